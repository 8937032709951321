/**
 * The strategy contract: how much inference-time compute an answer gets. A strategy turns one
 * chat request into one chat completion using any number of metered model calls. It must honour
 * `signal` (client left / budget spent) and may `emit` progress, which streaming clients see as
 * SSE comments. Usage is never computed here: the Account sums every call the ModelClient made.
 */
import type { ChatRequest } from "../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk } from "../api/types.js";
import type { ModelClient } from "../models/model-client.js";

export interface StrategySpec {
  name: string;
  params: Record<string, unknown>;
}

export type StrategyEvent = { type: "progress"; message: string };

export interface StrategyContext {
  /** Client for the planned node; `client.forNode(name)` for other nodes of the request. */
  client: ModelClient;
  params: Record<string, unknown>;
  signal: AbortSignal;
  emit(event: StrategyEvent): void;
}

export interface Strategy {
  readonly name: string;
  /** Validates and normalises parameters; throws a 400 naming the bad one. */
  parseParams(params: Record<string, unknown>, client: ModelClient): Record<string, unknown>;
  /** Produces the answer. */
  run(request: ChatRequest, ctx: StrategyContext): Promise<ChatCompletion>;
  /** Optional true streaming (single-call strategies stream the upstream as it arrives). */
  stream?(request: ChatRequest, ctx: StrategyContext): Promise<AsyncIterable<ChatCompletionChunk>>;
}
