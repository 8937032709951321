/**
 * The provider contract (specification v1). One adapter per wire protocol; every adapter speaks
 * the canonical OpenAI shapes on this side. Streams are async iterables of OpenAI chunks: errors
 * are thrown from the iterator (as GatewayError) and `return()` cancels the upstream request — the
 * JS iteration protocol already carries both, so no separate error part is needed. A final chunk
 * with `usage` and no choices carries the upstream's usage, as OpenAI sends it.
 */
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingResponse } from "../api/types.js";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "../api/schemas.js";
import type { Capabilities } from "../config/models.js";
import type { Abortable } from "../api/request-signal.js";

export interface CallOptions {
  /** Aborts the upstream request (client left, budget spent, strategy cancelled). */
  signal?: Abortable;
  /** Extra headers for this call only (e.g. sim fault injection in tests). */
  headers?: Record<string, string>;
}

/** A call's result plus transport facts the meter needs. */
export interface ProviderResult<T> {
  value: T;
  /** Milliseconds from sending to the first body byte. */
  ttftMs: number;
}

export interface ProviderStream<T> {
  /** Chunks as they arrive; the first one has been received when the promise resolved. */
  chunks: AsyncIterable<T>;
  ttftMs: number;
}

export interface Provider {
  readonly specificationVersion: "v1";
  /** Config name of the provider. */
  readonly id: string;
  /** Protocol family, for telemetry's `gen_ai.provider.name`. */
  readonly system: string;
  /**
   * True when one call answers one choice whatever `n` says (Anthropic): its models then never
   * declare `capabilities.n`, and the gateway fans `n > 1` out into parallel calls.
   */
  readonly singleChoice?: boolean;
  chat(model: string, req: ChatRequest, opts: CallOptions): Promise<ProviderResult<ChatCompletion>>;
  chatStream(model: string, req: ChatRequest, opts: CallOptions & { includeUsage: boolean }): Promise<ProviderStream<ChatCompletionChunk>>;
  complete(model: string, req: CompletionRequest, opts: CallOptions): Promise<ProviderResult<Completion>>;
  completeStream(model: string, req: CompletionRequest, opts: CallOptions & { includeUsage: boolean }): Promise<ProviderStream<Completion>>;
  embed(model: string, req: EmbeddingRequest, opts: CallOptions): Promise<ProviderResult<EmbeddingResponse>>;
  /** Raw JSON POST to a path under the provider's base URL (native pass-through endpoints). */
  post?(path: string, body: unknown, opts: CallOptions): Promise<ProviderResult<unknown>>;
}

export type { Capabilities };
