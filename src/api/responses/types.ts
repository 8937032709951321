/**
 * Shapes of the Responses API that the gateway produces: the response object, its output items
 * and usage. Checked against the `openai` v6 SDK's `resources/responses` types and what the Vercel
 * AI SDK's OpenAI provider parses; kept as plain types (no SDK import) because `src/` must not
 * depend on a client library.
 */

/** `output_text` content part of an assistant message. */
export interface OutputText {
  type: "output_text";
  text: string;
  annotations: unknown[];
  logprobs?: Array<{ token: string; logprob: number; bytes: number[]; top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }> }>;
}

export interface OutputRefusal {
  type: "refusal";
  refusal: string;
}

export type ItemStatus = "in_progress" | "completed" | "incomplete";

export interface OutputMessage {
  type: "message";
  id: string;
  status: ItemStatus;
  role: "assistant";
  content: Array<OutputText | OutputRefusal>;
}

export interface FunctionCallItem {
  type: "function_call";
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

/** What a response's `output` holds (native upstreams may add other item types; they pass through). */
export type OutputItem = OutputMessage | FunctionCallItem | ({ type: string; id?: string } & Record<string, unknown>);

export interface ResponseUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number; [k: string]: unknown };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number; [k: string]: unknown };
  total_tokens: number;
}

export type ResponseStatus = "completed" | "failed" | "in_progress" | "incomplete" | "cancelled" | "queued";

/** The `object: "response"` the SDKs parse; `output_text` is computed by the SDKs, not sent. */
export interface ResponseObject {
  id: string;
  object: "response";
  created_at: number;
  status: ResponseStatus;
  completed_at?: number | null;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
  instructions: unknown;
  max_output_tokens: number | null;
  model: string;
  output: OutputItem[];
  parallel_tool_calls: boolean;
  previous_response_id: string | null;
  reasoning: { effort: string | null; summary: string | null };
  store: boolean;
  temperature: number | null;
  text: { format: Record<string, unknown> };
  tool_choice: unknown;
  tools: unknown[];
  top_p: number | null;
  truncation: string;
  usage: ResponseUsage | null;
  user?: string;
  metadata: Record<string, string>;
  [k: string]: unknown;
}
