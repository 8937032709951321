/**
 * Contracts of the simulated upstream. The server owns the wire protocols (OpenAI, Anthropic),
 * timing and faults; a *behaviour* owns what a model says. New kinds of sim model (task solvers,
 * token-level LMs, routers, judges) are new behaviours, registered in `behaviours/index.ts`.
 */
export type FaultKind =
  | "500"
  | "502"
  | "503"
  | "529"
  | "429"
  | "reset-before-headers"
  | "reset-after-headers"
  | "stall"
  | "truncate"
  | "malformed"
  | "slow-drip"
  /** Answers a streamed request with one JSON body, as servers that ignore `stream: true` do (OpenAI wire). */
  | "ignore-stream";

export interface FaultSpec {
  kind: FaultKind;
  /** Fail only the first `times` attempts of a request (by x-request-id); omitted = always. */
  times?: number;
  /** Probability per request (deterministic per request id); default 1. */
  rate?: number;
  /** For 429/503: Retry-After seconds. */
  retryAfter?: number;
  /** For stall/slow-drip: milliseconds. */
  ms?: number;
}

export interface SimModelConfig {
  name: string;
  /** Behaviour that writes the output (default `chatter`). */
  behaviour?: string;
  /** Time to first token, ms. */
  ttftMs?: number;
  /** Output speed; 0 or omitted = instant. */
  tokensPerSecond?: number;
  /** Extra latency added to non-streaming responses, ms. */
  latencyMs?: number;
  /** Price per 1M tokens (informational; the gateway's catalog bills). */
  price?: { input: number; output: number };
  /** Probability-like skill in [0,1] for task-world behaviours. */
  skill?: number;
  /** Honours n>1 in one call (else returns one choice, like many local servers). */
  supportsN?: boolean;
  faults?: FaultSpec[];
  /** Behaviour-specific options. */
  options?: Record<string, unknown>;
}

export interface GenToken {
  /** Text the token adds to the output ("" for an end-of-sequence token). */
  text: string;
  /** How the token is named in logprobs when that differs from `text` (e.g. `<|endoftext|>`). */
  token?: string;
  logprob: number;
  top: Array<{ token: string; logprob: number }>;
}

export interface GenOutput {
  tokens: GenToken[];
  finishReason: "stop" | "length" | "tool_calls" | "content_filter";
  toolCalls?: Array<{ name: string; arguments: string }>;
}

export interface ChatLikeMessage {
  role: string;
  content?: unknown;
  [k: string]: unknown;
}

export interface GenInput {
  endpoint: "chat" | "completion" | "anthropic";
  /** Chat messages (chat/anthropic), with the system prompt first when there is one. */
  messages: ChatLikeMessage[];
  /** Completion prompt (completion endpoint), or the messages flattened to text. */
  prompt: string;
  body: Record<string, unknown>;
  model: SimModelConfig;
  /** Seed for this choice: derived from the request, `seed`, and the choice index. */
  seed: number;
  index: number;
  /** Max output tokens asked for (or a default). */
  maxTokens: number;
  topLogprobs: number;
}

export interface SimBehaviour {
  name: string;
  generate(input: GenInput): GenOutput;
  /** Prompt tokens with logprobs for `echo` (token-level LMs); default: no logprobs. */
  scorePrompt?(prompt: string, input: GenInput): GenToken[];
}

/** Extra JSON endpoints some behaviours bring (a PRM, a judge). */
export interface SimEndpoint {
  path: string;
  /** `model` is the sim model named in the body (its options tune the endpoint). */
  handle(body: Record<string, unknown>, model: SimModelConfig): unknown;
}
