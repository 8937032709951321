/**
 * The one adapter for every OpenAI-compatible upstream. Requests go out as they came in (unknown
 * fields included) with the upstream's model name; responses come back lenient (extra fields kept).
 */
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "../../api/schemas.js";
import { parseSse } from "../../api/sse.js";
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingResponse } from "../../api/types.js";
import type { ProviderConfig } from "../../config/providers.js";
import { openAiErrorFormat, upstreamMalformed, upstreamStreamBroken } from "../errors.js";
import type { HttpClient } from "../http.js";
import { openBody, readText, requestJson, type TransportTarget } from "../transport.js";
import type { CallOptions, Provider, ProviderResult, ProviderStream } from "../types.js";
import { chunksOfBufferedAnswer, type StreamKind } from "./buffered-stream.js";
import { OPENAI_PRESETS } from "./presets.js";


/** Body fields that only the gateway understands; never forwarded. */
const GATEWAY_FIELDS = ["octoroute"] as const;

function stripGatewayFields<T extends Record<string, unknown>>(req: T): T {
  if (!GATEWAY_FIELDS.some((f) => f in req)) return req;
  const copy = { ...req };
  for (const f of GATEWAY_FIELDS) delete copy[f];
  return copy;
}

export class OpenAiCompatibleProvider implements Provider {
  readonly specificationVersion = "v1" as const;
  readonly system: string;
  private readonly baseUrl: string;
  private readonly baseHeaders: Record<string, string>;
  private readonly target: TransportTarget;

  constructor(
    readonly id: string,
    config: ProviderConfig,
    http: HttpClient,
  ) {
    const preset = OPENAI_PRESETS[config.preset ?? "openai"] ?? OPENAI_PRESETS.openai!;
    const baseUrl = config.baseUrl ?? preset.baseUrl;
    if (!baseUrl) throw new Error(`provider ${id}: baseUrl is required`);
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.system = config.preset ?? "openai";
    this.baseHeaders = { "content-type": "application/json", ...preset.headers, ...config.headers };
    if (config.apiKey) {
      if (preset.authHeader === "api-key") this.baseHeaders["api-key"] = config.apiKey;
      else this.baseHeaders.authorization = `Bearer ${config.apiKey}`;
    }
    this.target = { providerId: id, http, timeouts: config.timeouts, errorFormat: openAiErrorFormat, secrets: [config.apiKey] };
  }

  private headers(opts: CallOptions): Record<string, string> {
    return opts.headers ? { ...this.baseHeaders, ...opts.headers } : this.baseHeaders;
  }

  private async postJson<T>(path: string, body: unknown, opts: CallOptions): Promise<ProviderResult<T>> {
    const { value, ttftMs } = await requestJson<T>(
      this.target,
      { url: `${this.baseUrl}${path}`, method: "POST", headers: this.headers(opts), body: JSON.stringify(body) },
      opts.signal,
    );
    return { value, ttftMs };
  }

  async chat(model: string, req: ChatRequest, opts: CallOptions): Promise<ProviderResult<ChatCompletion>> {
    const body = { ...stripGatewayFields(req), model, stream: false };
    delete (body as { stream_options?: unknown }).stream_options;
    const res = await this.postJson<ChatCompletion>("/chat/completions", body, opts);
    if (!Array.isArray(res.value?.choices)) throw upstreamMalformed(this.id, "no choices in chat completion");
    return res;
  }

  chatStream(model: string, req: ChatRequest, opts: CallOptions & { includeUsage: boolean }): Promise<ProviderStream<ChatCompletionChunk>> {
    const body: Record<string, unknown> = { ...stripGatewayFields(req), model, stream: true };
    if (opts.includeUsage) body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
    return this.openStream<ChatCompletionChunk>("/chat/completions", "chat", body, opts);
  }

  async complete(model: string, req: CompletionRequest, opts: CallOptions): Promise<ProviderResult<Completion>> {
    const body = { ...stripGatewayFields(req), model, stream: false };
    delete (body as { stream_options?: unknown }).stream_options;
    const res = await this.postJson<Completion>("/completions", body, opts);
    if (!Array.isArray(res.value?.choices)) throw upstreamMalformed(this.id, "no choices in completion");
    return res;
  }

  completeStream(model: string, req: CompletionRequest, opts: CallOptions & { includeUsage: boolean }): Promise<ProviderStream<Completion>> {
    const body: Record<string, unknown> = { ...stripGatewayFields(req), model, stream: true };
    if (opts.includeUsage) body.stream_options = { ...(req.stream_options ?? {}), include_usage: true };
    return this.openStream<Completion>("/completions", "completions", body, opts);
  }

  async embed(model: string, req: EmbeddingRequest, opts: CallOptions): Promise<ProviderResult<EmbeddingResponse>> {
    const res = await this.postJson<EmbeddingResponse>("/embeddings", { ...req, model }, opts);
    if (!Array.isArray(res.value?.data)) throw upstreamMalformed(this.id, "no data in embeddings response");
    return res;
  }

  post(path: string, body: unknown, opts: CallOptions): Promise<ProviderResult<unknown>> {
    return this.postJson<unknown>(path, body, opts);
  }

  private async openStream<T>(path: string, kind: StreamKind, body: unknown, opts: CallOptions): Promise<ProviderStream<T>> {
    const opened = await openBody(
      this.target,
      { url: `${this.baseUrl}${path}`, method: "POST", headers: { ...this.headers(opts), accept: "text/event-stream" }, body: JSON.stringify(body) },
      opts.signal,
    );
    const id = this.id;
    const contentType = opened.header("content-type") ?? "";
    async function* chunks(): AsyncGenerator<T> {
      if (!contentType.includes("text/event-stream")) {
        // Some upstreams ignore `stream: true` and answer in one JSON body: still an answer.
        if (!contentType.includes("json")) throw upstreamMalformed(id, `expected an event stream, got "${contentType || "no content-type"}"`);
        yield* chunksOfBufferedAnswer(id, kind, await readText(opened.chunks)) as T[];
        return;
      }
      let sawDone = false;
      let sawFinish = false;
      for await (const ev of parseSse(opened.chunks)) {
        if (ev.data === "[DONE]") {
          sawDone = true;
          break;
        }
        let parsed: T & { error?: unknown; choices?: Array<{ finish_reason?: unknown }> };
        try {
          parsed = JSON.parse(ev.data);
        } catch {
          throw upstreamMalformed(id, "stream event is not valid JSON");
        }
        if (parsed && typeof parsed === "object" && "error" in parsed && parsed.error) {
          throw upstreamStreamBroken(id, openAiErrorFormat.toMessage(parsed) ?? "error event");
        }
        if (parsed.choices?.some((c) => c.finish_reason)) sawFinish = true;
        yield parsed as T;
      }
      if (!sawDone && !sawFinish) throw upstreamStreamBroken(id, "the stream closed before it finished");
    }
    return { chunks: chunks(), ttftMs: opened.ttftMs };
  }
}
