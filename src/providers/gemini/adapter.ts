/**
 * Gemini adapter (Google AI `generateContent` / `streamGenerateContent?alt=sse`). A genuinely
 * different wire protocol, so it translates at the edge like the Anthropic one: `request.ts`
 * builds the body, `response.ts` and `stream.ts` turn answers back into OpenAI shapes,
 * `errors.ts` reads Google's error body. Transport is the shared `transport.ts`.
 *
 * Declare for Gemini models in the config: `logprobs: false` (not translated here); `n > 1` is
 * `candidateCount`. Embeddings go to `batchEmbedContents` (`embeddings.ts`); legacy completions
 * do not exist in the Gemini API → 400.
 */
import { GatewayError } from "../../api/errors.js";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "../../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingResponse } from "../../api/types.js";
import type { ProviderConfig } from "../../config/providers.js";
import { upstreamMalformed } from "../errors.js";
import type { HttpClient } from "../http.js";
import { openBody, requestJson, type TransportTarget } from "../transport.js";
import type { CallOptions, Provider, ProviderResult, ProviderStream } from "../types.js";
import { geminiErrorFormat, keyRejectedAs502 } from "./errors.js";
import { toGenerateContentRequest } from "./request.js";
import { toChatCompletion } from "./response.js";
import { toChatChunks } from "./stream.js";
import { type BatchEmbedResponse, toBatchEmbedRequest, toEmbeddingResponse } from "./embeddings.js";
import type { GenerateContentResponse } from "./wire.js";

/** `models/<name>` (or a tuned model's name) as Gemini's paths and bodies want it. */
const resourceName = (model: string): string => (model.startsWith("models/") || model.startsWith("tunedModels/") ? model : `models/${model}`);

/** Defaults for `type: gemini` providers; `baseUrl` and `headers` in the config override them. */
export const GEMINI_DEFAULTS = { baseUrl: "https://generativelanguage.googleapis.com/v1beta" };

const unsupported = (what: string) =>
  new GatewayError(`The Gemini adapter has no ${what} endpoint; use /v1/chat/completions with this model.`, { status: 400, code: "unsupported_by_provider", param: "model" });

export class GeminiProvider implements Provider {
  readonly specificationVersion = "v1" as const;
  readonly system = "gemini";
  private readonly baseUrl: string;
  private readonly baseHeaders: Record<string, string>;
  private readonly target: TransportTarget;

  constructor(
    readonly id: string,
    config: ProviderConfig,
    http: HttpClient,
  ) {
    this.baseUrl = (config.baseUrl ?? GEMINI_DEFAULTS.baseUrl).replace(/\/+$/, "");
    this.baseHeaders = { "content-type": "application/json", ...config.headers };
    // The key goes in a header, never in the URL (URLs end up in logs).
    if (config.apiKey) this.baseHeaders["x-goog-api-key"] = config.apiKey;
    this.target = { providerId: id, http, timeouts: config.timeouts, errorFormat: geminiErrorFormat, secrets: [config.apiKey] };
  }

  private url(model: string, method: "generateContent" | "streamGenerateContent" | "batchEmbedContents"): string {
    return `${this.baseUrl}/${resourceName(model)}:${method}${method === "streamGenerateContent" ? "?alt=sse" : ""}`;
  }

  async chat(model: string, req: ChatRequest, opts: CallOptions): Promise<ProviderResult<ChatCompletion>> {
    const body = toGenerateContentRequest(req);
    const { value, ttftMs } = await requestJson<GenerateContentResponse>(
      this.target,
      { url: this.url(model, "generateContent"), method: "POST", headers: { ...this.baseHeaders, ...opts.headers }, body: JSON.stringify(body) },
      opts.signal,
    ).catch(keyRejectedAs502);
    if (!value || typeof value !== "object" || (!Array.isArray(value.candidates) && !value.promptFeedback)) throw upstreamMalformed(this.id, "no candidates in response");
    return { value: toChatCompletion(value, model), ttftMs };
  }

  async chatStream(model: string, req: ChatRequest, opts: CallOptions & { includeUsage: boolean }): Promise<ProviderStream<ChatCompletionChunk>> {
    const body = toGenerateContentRequest(req);
    const opened = await openBody(
      this.target,
      { url: this.url(model, "streamGenerateContent"), method: "POST", headers: { ...this.baseHeaders, ...opts.headers, accept: "text/event-stream" }, body: JSON.stringify(body) },
      opts.signal,
    ).catch(keyRejectedAs502);
    const contentType = opened.header("content-type") ?? "";
    if (!contentType.includes("text/event-stream")) {
      await opened.chunks[Symbol.asyncIterator]().return?.();
      throw upstreamMalformed(this.id, `expected an event stream, got "${contentType || "no content-type"}"`);
    }
    return { chunks: toChatChunks(opened.chunks, { providerId: this.id, model, includeUsage: opts.includeUsage, secrets: this.target.secrets }), ttftMs: opened.ttftMs };
  }

  complete(_model: string, _req: CompletionRequest, _opts: CallOptions): Promise<ProviderResult<Completion>> {
    return Promise.reject(unsupported("legacy completions"));
  }

  completeStream(_model: string, _req: CompletionRequest, _opts: CallOptions): Promise<ProviderStream<Completion>> {
    return Promise.reject(unsupported("legacy completions"));
  }

  async embed(model: string, req: EmbeddingRequest, opts: CallOptions): Promise<ProviderResult<EmbeddingResponse>> {
    const body = toBatchEmbedRequest(resourceName(model), req);
    const { value, ttftMs } = await requestJson<BatchEmbedResponse>(
      this.target,
      { url: this.url(model, "batchEmbedContents"), method: "POST", headers: { ...this.baseHeaders, ...opts.headers }, body: JSON.stringify(body) },
      opts.signal,
    ).catch(keyRejectedAs502);
    if (!value || typeof value !== "object" || !Array.isArray(value.embeddings)) throw upstreamMalformed(this.id, "no embeddings in response");
    if (value.embeddings.length !== body.requests.length) throw upstreamMalformed(this.id, `${value.embeddings.length} embeddings for ${body.requests.length} inputs`);
    return { value: toEmbeddingResponse(value, model, req), ttftMs };
  }

}
