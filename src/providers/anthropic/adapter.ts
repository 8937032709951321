/**
 * Anthropic Messages adapter. Anthropic is a genuinely different wire protocol (DESIGN.md: only
 * those get their own adapter), so this folder translates at the edge: `request.ts` builds the
 * Messages body, `response.ts` and `stream.ts` turn answers back into OpenAI shapes, `errors.ts`
 * says where Anthropic puts its error message. Transport (timeouts, status mapping, redaction)
 * is the shared `transport.ts`; retries and fallbacks stay in the ModelClient.
 *
 * Capabilities to declare for Anthropic models in the config: `logprobs: false`,
 * `assistantPrefix: true` (a trailing assistant message is sent as a prefill and the answer
 * continues it); `n` is never honoured in one call (`singleChoice`), so `n > 1` is fanned out. Completions and embeddings do not exist in the Messages API → 400.
 */
import { GatewayError } from "../../api/errors.js";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "../../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingResponse } from "../../api/types.js";
import type { ProviderConfig } from "../../config/providers.js";
import { upstreamMalformed } from "../errors.js";
import type { HttpClient } from "../http.js";
import { openBody, requestJson, type TransportTarget } from "../transport.js";
import type { CallOptions, Provider, ProviderResult, ProviderStream } from "../types.js";
import { anthropicErrorFormat } from "./errors.js";
import { jsonAnswerOf } from "./json-answer.js";
import { toMessagesRequest } from "./request.js";
import { toChatCompletion } from "./response.js";
import { toChatChunks } from "./stream.js";
import type { MessagesResponse } from "./wire.js";

/** Defaults for `type: anthropic` providers; `baseUrl` and `headers` in the config override them. */
export const ANTHROPIC_DEFAULTS = {
  baseUrl: "https://api.anthropic.com/v1",
  headers: { "anthropic-version": "2023-06-01" } as Record<string, string>,
};

const unsupported = (what: string) =>
  new GatewayError(`The Anthropic Messages API has no ${what} endpoint; use /v1/chat/completions with this model.`, {
    status: 400,
    code: "unsupported_by_provider",
    param: "model",
  });

export class AnthropicProvider implements Provider {
  readonly specificationVersion = "v1" as const;
  readonly system = "anthropic";
  readonly singleChoice = true;
  private readonly url: string;
  private readonly baseHeaders: Record<string, string>;
  private readonly target: TransportTarget;

  constructor(
    readonly id: string,
    config: ProviderConfig,
    http: HttpClient,
  ) {
    this.url = `${(config.baseUrl ?? ANTHROPIC_DEFAULTS.baseUrl).replace(/\/+$/, "")}/messages`;
    this.baseHeaders = { "content-type": "application/json", ...ANTHROPIC_DEFAULTS.headers, ...config.headers };
    if (config.apiKey) this.baseHeaders["x-api-key"] = config.apiKey;
    this.target = { providerId: id, http, timeouts: config.timeouts, errorFormat: anthropicErrorFormat, secrets: [config.apiKey] };
  }

  private headers(opts: CallOptions, extra?: Record<string, string>): Record<string, string> {
    return { ...this.baseHeaders, ...opts.headers, ...extra };
  }

  async chat(model: string, req: ChatRequest, opts: CallOptions): Promise<ProviderResult<ChatCompletion>> {
    const answer = jsonAnswerOf(req);
    const body = toMessagesRequest(model, req, false, answer);
    const { value, ttftMs } = await requestJson<MessagesResponse>(
      this.target,
      { url: this.url, method: "POST", headers: this.headers(opts), body: JSON.stringify(body) },
      opts.signal,
    );
    if (!value || typeof value !== "object" || !Array.isArray(value.content)) throw upstreamMalformed(this.id, "no content in message");
    return { value: toChatCompletion(value, model, answer), ttftMs };
  }

  async chatStream(model: string, req: ChatRequest, opts: CallOptions & { includeUsage: boolean }): Promise<ProviderStream<ChatCompletionChunk>> {
    const answer = jsonAnswerOf(req);
    const body = toMessagesRequest(model, req, true, answer);
    const opened = await openBody(
      this.target,
      { url: this.url, method: "POST", headers: this.headers(opts, { accept: "text/event-stream" }), body: JSON.stringify(body) },
      opts.signal,
    );
    const contentType = opened.header("content-type") ?? "";
    if (!contentType.includes("text/event-stream")) {
      // Release the connection before failing: nothing will read this body.
      await opened.chunks[Symbol.asyncIterator]().return?.();
      throw upstreamMalformed(this.id, `expected an event stream, got "${contentType || "no content-type"}"`);
    }
    const chunks = toChatChunks(opened.chunks, { providerId: this.id, model, includeUsage: opts.includeUsage, secrets: this.target.secrets, answer });
    return { chunks, ttftMs: opened.ttftMs };
  }

  complete(_model: string, _req: CompletionRequest, _opts: CallOptions): Promise<ProviderResult<Completion>> {
    return Promise.reject(unsupported("legacy completions"));
  }

  completeStream(_model: string, _req: CompletionRequest, _opts: CallOptions): Promise<ProviderStream<Completion>> {
    return Promise.reject(unsupported("legacy completions"));
  }

  embed(_model: string, _req: EmbeddingRequest, _opts: CallOptions): Promise<ProviderResult<EmbeddingResponse>> {
    return Promise.reject(unsupported("embeddings"));
  }
}
