/**
 * The metered model client: the only way code above `providers/` calls a model. It applies the
 * provider's retry policy, walks the node's fallback edges, and writes one UsageRecord per model
 * tried into the request's Account — so the client's `usage` and cost are the exact sum of every
 * upstream call a router, strategy or verifier made.
 */
import { GatewayError, asGatewayError, isAbortError } from "../api/errors.js";
import type { ChatRequest, CompletionRequest, EmbeddingRequest } from "../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk, Completion, EmbeddingResponse, Usage } from "../api/types.js";
import type { CallOptions } from "../providers/types.js";
import { costOf } from "../telemetry/pricing.js";
import type { Account, CallPurpose, UsageRecord } from "../telemetry/usage.js";
import type { Catalog, ModelNode } from "./catalog.js";
import { retryDelayMs, sleep } from "./retry.js";
import { estimateUsage } from "./usage-estimate.js";
import type { Abortable } from "../api/request-signal.js";

export interface MeterContext {
  requestId: string;
  account: Account;
  catalog: Catalog;
  /** Aborts everything this request started (client left). */
  signal?: Abortable;
  /** Client request headers (lower-case); each provider forwards only its allow-list. */
  clientHeaders?: Record<string, string>;
}

export interface CallSettings {
  purpose?: CallPurpose;
  /**
   * A narrower signal (e.g. a strategy's budget, or one branch of a search). It must follow the
   * request's own signal — abort when the request aborts — as every signal derived from the
   * strategy context does; it then replaces the request's signal for this call.
   */
  signal?: Abortable;
}

/** A stream whose usage is known once it has been read to the end. */
export interface MeteredStream<T> extends AsyncIterable<T> {
  /** Node that is answering (after any fallback). */
  readonly model: ModelNode;
  /** Upstream usage, available after the stream ended (null if the upstream sent none). */
  usage(): Usage | null;
}

type Operation = UsageRecord["operation"];

function tokensOf(usage: Usage | null | undefined) {
  const details = usage?.prompt_tokens_details;
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedTokens: (details?.cached_tokens as number | undefined) ?? 0,
    cacheWriteTokens: (details?.cache_write_tokens as number | undefined) ?? 0,
  };
}

export class ModelClient {
  constructor(
    readonly node: ModelNode,
    private readonly ctx: MeterContext,
  ) {}

  get capabilities() {
    return this.node.capabilities;
  }

  /** A client for another node of the same request (same account and signal). */
  forNode(name: string): ModelClient {
    const node = this.ctx.catalog.get(name);
    if (!node) throw new GatewayError(`Unknown model "${name}".`, { status: 404, code: "model_not_found", param: "model" });
    return new ModelClient(node, this.ctx);
  }

  async chat(req: ChatRequest, settings: CallSettings = {}): Promise<ChatCompletion> {
    return this.unary("chat", settings, (node, opts) => node.provider.chat(node.upstreamModel, withExtra(node, req), opts), (r) => r.usage, (r) => estimateUsage(req.messages, r));
  }

  async complete(req: CompletionRequest, settings: CallSettings = {}): Promise<Completion> {
    return this.unary("text_completion", settings, (node, opts) => node.provider.complete(node.upstreamModel, withExtra(node, req), opts), (r) => r.usage, (r) => estimateUsage(req.prompt, r));
  }

  async embed(req: EmbeddingRequest, settings: CallSettings = {}): Promise<EmbeddingResponse> {
    return this.unary("embeddings", { purpose: "embedding", ...settings }, (node, opts) => node.provider.embed(node.upstreamModel, req, opts), (r) => r.usage as Usage | undefined, () => estimateUsage(req.input));
  }

  /**
   * Native `/responses` pass-through for nodes that declare `capabilities.responses`: the body goes
   * upstream as is (with the upstream model name) and usage is read from the Responses shape.
   */
  async responses(body: Record<string, unknown>, settings: CallSettings = {}): Promise<Record<string, unknown>> {
    return this.unary(
      "responses",
      settings,
      (node, opts) => {
        if (!node.capabilities.responses || !node.provider.post) {
          throw new GatewayError(`Model "${node.name}" does not serve the Responses API natively.`, { status: 400, code: "capability_missing", param: "model" });
        }
        return node.provider.post("/responses", { ...withExtra(node, body), model: node.upstreamModel }, opts) as Promise<{ value: Record<string, unknown> & { model?: string }; ttftMs: number }>;
      },
      (r) => responsesUsage(r.usage),
      (r) => estimateUsage([body.instructions, body.input], undefined, Math.ceil(JSON.stringify(r.output ?? "").length / 4)),
    );
  }

  /**
   * A raw JSON POST to `path` under the node's provider (e.g. a reward-model endpoint), metered
   * like any call: usage is read from the response's `usage` field when it has one.
   */
  async postJson(path: string, body: Record<string, unknown>, settings: CallSettings = {}): Promise<unknown> {
    const result = await this.unary<{ model?: string; usage?: Usage }>(
      "chat",
      { purpose: "reward", ...settings },
      async (node, opts) => {
        if (!node.provider.post) throw new GatewayError(`Provider of "${node.name}" has no raw JSON endpoint.`, { status: 400, code: "capability_missing", param: "model" });
        const res = await node.provider.post(path, body, opts);
        return { value: (res.value ?? {}) as { model?: string; usage?: Usage }, ttftMs: res.ttftMs };
      },
      (r) => r.usage,
    );
    return result;
  }

  chatStream(req: ChatRequest, settings: CallSettings = {}): Promise<MeteredStream<ChatCompletionChunk>> {
    return this.stream(
      "chat",
      settings,
      (node, opts) => node.provider.chatStream(node.upstreamModel, withExtra(node, req), { ...opts, includeUsage: node.capabilities.streamUsage }),
      req.messages,
    );
  }

  completeStream(req: CompletionRequest, settings: CallSettings = {}): Promise<MeteredStream<Completion>> {
    return this.stream(
      "text_completion",
      settings,
      (node, opts) => node.provider.completeStream(node.upstreamModel, withExtra(node, req), { ...opts, includeUsage: node.capabilities.streamUsage }),
      req.prompt,
    );
  }

  /** This node followed by its fallback edges (each tried once, in order, no cycles). */
  private chain(): ModelNode[] {
    const out: ModelNode[] = [this.node];
    const seen = new Set([this.node.name]);
    for (const name of this.node.config.fallbacks) {
      const fb = this.ctx.catalog.get(name);
      if (fb && !seen.has(name)) {
        seen.add(name);
        out.push(fb);
      }
    }
    return out;
  }

  private callOptions(node: ModelNode, signal: Abortable | undefined): CallOptions {
    const headers: Record<string, string> = { "x-request-id": this.ctx.requestId };
    const client = this.ctx.clientHeaders;
    if (client) for (const h of node.providerConfig.forwardHeaders) if (client[h] !== undefined) headers[h] = client[h]!;
    return { signal, headers };
  }

  private record(node: ModelNode, op: Operation, purpose: CallPurpose, fields: Partial<UsageRecord> & { usage?: Usage | null; startedAt: number }): UsageRecord {
    const tokens = tokensOf(fields.usage);
    const { usage: _u, ...rest } = fields;
    const record: UsageRecord = {
      requestId: this.ctx.requestId,
      tenant: this.ctx.account.tenant,
      keyId: this.ctx.account.keyId,
      model: node.name,
      provider: node.provider.id,
      system: node.provider.system,
      operation: op,
      purpose,
      ...tokens,
      costUsd: costOf(node.price, tokens),
      latencyMs: Date.now() - fields.startedAt,
      ttftMs: null,
      status: "ok",
      attempts: 1,
      streamed: false,
      ...rest,
    };
    this.ctx.account.add(record);
    return record;
  }

  /**
   * Runs `attempt` against each node of the chain with the provider's retry policy. `attempt`
   * resolves once the upstream has committed (a full body, or a stream's first chunk).
   */
  private async withRetries<T>(
    op: Operation,
    purpose: CallPurpose,
    signal: Abortable | undefined,
    attempt: (node: ModelNode, opts: CallOptions) => Promise<T>,
    onSuccess: (node: ModelNode, value: T, meta: { startedAt: number; attempts: number }) => void,
  ): Promise<{ node: ModelNode; value: T }> {
    let lastError: GatewayError | undefined;
    for (const node of this.chain()) {
      const policy = node.providerConfig.retry;
      const startedAt = Date.now();
      let attempts = 0;
      for (;;) {
        attempts++;
        try {
          const value = await attempt(node, this.callOptions(node, signal));
          onSuccess(node, value, { startedAt, attempts });
          return { node, value };
        } catch (err) {
          if (signal?.aborted || isAbortError(err)) {
            this.record(node, op, purpose, { startedAt, attempts, status: "cancelled", errorCode: "request_cancelled" });
            throw cancelledError(err);
          }
          const gwErr = asGatewayError(err);
          lastError = gwErr;
          const delay = gwErr.retryable && attempts < policy.maxAttempts ? retryDelayMs(policy, attempts, gwErr.retryAfterSeconds) : null;
          if (delay === null) {
            this.record(node, op, purpose, { startedAt, attempts, status: "error", errorCode: gwErr.code });
            break;
          }
          try {
            await sleep(delay, signal);
          } catch (reason) {
            this.record(node, op, purpose, { startedAt, attempts, status: "cancelled", errorCode: "request_cancelled" });
            throw cancelledError(reason);
          }
        }
      }
      // Only failures of the upstream (not of the request) move on to a fallback node.
      if (!lastError.retryable && lastError.code !== "upstream_auth_failed") throw lastError;
    }
    throw lastError!;
  }

  private async unary<T extends { model?: string }>(
    op: Operation,
    settings: CallSettings,
    call: (node: ModelNode, opts: CallOptions) => Promise<{ value: T; ttftMs: number }>,
    usageOf: (value: T) => Usage | undefined,
    /** Usage to count when the upstream reported none (see usage-estimate.ts); absent: none counted. */
    estimate?: (value: T) => Usage,
  ): Promise<T> {
    const purpose = settings.purpose ?? "answer";
    const signal = settings.signal ?? this.ctx.signal;
    const { value } = await this.withRetries(op, purpose, signal, call, (node, res, meta) => {
      const reported = usageOf(res.value);
      const estimated = !reported && estimate ? estimate(res.value) : undefined;
      this.record(node, op, purpose, { usage: reported ?? estimated, ...(estimated ? { usageEstimated: true } : {}), startedAt: meta.startedAt, attempts: meta.attempts, ttftMs: res.ttftMs, responseModel: res.value.model });
    });
    return value.value;
  }

  private async stream<T extends { model?: string; usage?: Usage | null; choices?: unknown[] }>(
    op: Operation,
    settings: CallSettings,
    open: (node: ModelNode, opts: CallOptions) => Promise<{ chunks: AsyncIterable<T>; ttftMs: number }>,
    /** What the prompt was, for an estimate when the upstream reports no usage. */
    prompt: unknown,
  ): Promise<MeteredStream<T>> {
    const purpose = settings.purpose ?? "answer";
    const signal = settings.signal ?? this.ctx.signal;
    // The first chunk is read inside the retry loop: a stream that fails before it produced
    // anything is retried like any other failure; once a chunk exists, the stream is committed.
    const { node, value } = await this.withRetries(
      op,
      purpose,
      signal,
      async (n, opts) => {
        const opened = await open(n, opts);
        const iterator = opened.chunks[Symbol.asyncIterator]();
        const first = await iterator.next();
        return { iterator, first, ttftMs: opened.ttftMs, startedAt: Date.now() };
      },
      () => {},
    );
    const startedAt = value.startedAt - value.ttftMs;
    const self = this;
    let usage: Usage | null = null;
    let recorded = false;
    let deltas = 0;
    let responseModel: string | undefined;
    const finish = (status: UsageRecord["status"], errorCode?: string) => {
      if (recorded) return;
      recorded = true;
      // Without upstream usage (upstream can't report it, or the stream was cut), estimate: the
      // prompt from the request, one output token per chunk forwarded. Never a silent zero.
      const estimated = usage ? undefined : estimateUsage(prompt, undefined, deltas);
      self.record(node, op, purpose, { usage: usage ?? estimated, ...(estimated ? { usageEstimated: true } : {}), startedAt, ttftMs: value.ttftMs, status, errorCode, streamed: true, responseModel });
    };
    return {
      model: node,
      usage: () => usage,
      async *[Symbol.asyncIterator]() {
        let step = value.first;
        try {
          while (!step.done) {
            const chunk = step.value;
            responseModel ??= chunk.model;
            if (chunk.usage) usage = chunk.usage;
            if (chunk.choices && chunk.choices.length > 0) {
              deltas++;
              yield chunk;
            }
            step = await value.iterator.next();
          }
          finish("ok");
        } catch (err) {
          if (signal?.aborted || isAbortError(err)) {
            finish("cancelled", "request_cancelled");
            throw cancelledError(err);
          }
          finish("error", asGatewayError(err).code);
          throw err;
        } finally {
          if (!recorded) {
            // The consumer stopped early (client disconnect, strategy cancel): cancel upstream.
            finish("cancelled", "request_cancelled");
            await value.iterator.return?.();
          }
        }
      },
    };
  }
}

/**
 * The one shape of "the caller went away". An abort signal's reason can be anything (the Node
 * adapter uses a plain string), so it is never rethrown as is: it would surface as a 500.
 */
function cancelledError(cause: unknown): GatewayError {
  if (cause instanceof GatewayError && cause.code === "request_cancelled") return cause;
  return new GatewayError("The request was cancelled.", { status: 499, code: "request_cancelled", type: "invalid_request_error", cause });
}

/** Responses-API usage (`input_tokens`, `output_tokens`) in the canonical chat shape. */
function responsesUsage(raw: unknown): Usage | undefined {
  const u = raw as { input_tokens?: number; output_tokens?: number; input_tokens_details?: { cached_tokens?: number } } | undefined;
  if (!u || typeof u.input_tokens !== "number") return undefined;
  const out = u.output_tokens ?? 0;
  return { prompt_tokens: u.input_tokens, completion_tokens: out, total_tokens: u.input_tokens + out, prompt_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 } };
}

/** Adds the node's configured extra body fields (e.g. an MoE expert-activation knob). */
function withExtra<T extends object>(node: ModelNode, req: T): T {
  return node.config.extraBody ? { ...node.config.extraBody, ...req } : req;
}
