/**
 * Response shapes of the OpenAI surface (what the gateway returns and what adapters must produce).
 * Kept as plain TypeScript types: responses are validated leniently, so extra upstream fields flow
 * through untouched.
 */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number; [k: string]: unknown };
  completion_tokens_details?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs?: Array<{ token: string; logprob: number; bytes: number[] | null }>;
}

export interface ChatChoice {
  index: number;
  message: {
    role: "assistant";
    content: string | null;
    tool_calls?: ToolCall[];
    refusal?: string | null;
    [k: string]: unknown;
  };
  finish_reason: string | null;
  logprobs?: { content: TokenLogprob[] | null; [k: string]: unknown } | null;
  [k: string]: unknown;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  choices: ChatChoice[];
  usage?: Usage;
  system_fingerprint?: string | null;
  [k: string]: unknown;
}

export interface ChatChunkChoice {
  index: number;
  delta: {
    role?: "assistant";
    content?: string | null;
    tool_calls?: Array<{ index: number; id?: string; type?: "function"; function?: { name?: string; arguments?: string } }>;
    [k: string]: unknown;
  };
  finish_reason: string | null;
  logprobs?: { content: TokenLogprob[] | null } | null;
  [k: string]: unknown;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: ChatChunkChoice[];
  usage?: Usage | null;
  [k: string]: unknown;
}

export interface CompletionChoice {
  index: number;
  text: string;
  finish_reason: string | null;
  logprobs?: {
    tokens: string[];
    token_logprobs: Array<number | null>;
    top_logprobs: Array<Record<string, number> | null> | null;
    text_offset: number[];
  } | null;
  [k: string]: unknown;
}

export interface Completion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  choices: CompletionChoice[];
  usage?: Usage;
  [k: string]: unknown;
}

export interface EmbeddingResponse {
  object: "list";
  data: Array<{ object: "embedding"; index: number; embedding: number[] | string }>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export const emptyUsage = (): Usage => ({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
