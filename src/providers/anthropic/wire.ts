/**
 * The slice of Anthropic's Messages wire format the adapter reads and writes. Response types are
 * lenient (every field optional, extra fields allowed) because upstream responses are validated
 * leniently; request types are what we build, so they are exact.
 */

/** `cache_control` marker on a block (prompt caching); passed through untouched. */
export type CacheControl = Record<string, unknown>;

export type ImageSource = { type: "base64"; media_type: string; data: string } | { type: "url"; url: string };

export type RequestBlock =
  | { type: "text"; text: string; cache_control?: CacheControl }
  | { type: "image"; source: ImageSource; cache_control?: CacheControl }
  | { type: "tool_use"; id: string; name: string; input: unknown; cache_control?: CacheControl }
  | { type: "tool_result"; tool_use_id: string; content: string | RequestBlock[]; is_error?: boolean; cache_control?: CacheControl };

export interface RequestMessage {
  role: "user" | "assistant";
  content: RequestBlock[];
}

export interface RequestTool {
  name: string;
  description?: string;
  input_schema: Record<string, unknown>;
  cache_control?: CacheControl;
}

export type RequestToolChoice =
  | { type: "auto"; disable_parallel_tool_use?: boolean }
  | { type: "any"; disable_parallel_tool_use?: boolean }
  | { type: "none" }
  | { type: "tool"; name: string; disable_parallel_tool_use?: boolean };

export interface MessagesRequest {
  model: string;
  max_tokens: number;
  messages: RequestMessage[];
  system?: Array<{ type: "text"; text: string; cache_control?: CacheControl }>;
  temperature?: number;
  top_p?: number;
  stop_sequences?: string[];
  tools?: RequestTool[];
  tool_choice?: RequestToolChoice;
  metadata?: Record<string, unknown>;
  stream?: boolean;
  [k: string]: unknown;
}

export interface ResponseBlock {
  type?: string;
  text?: string;
  thinking?: string;
  id?: string;
  name?: string;
  input?: unknown;
  [k: string]: unknown;
}

export interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  [k: string]: unknown;
}

export interface MessagesResponse {
  id?: string;
  type?: string;
  role?: string;
  model?: string;
  content?: ResponseBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage;
  [k: string]: unknown;
}
