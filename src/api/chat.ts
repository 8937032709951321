/**
 * `POST /v1/chat/completions`: auth → plan (route/model) → strategy → admission → run, streamed
 * or not; usage in the response is the sum of every upstream call the request made.
 */
import type { Context } from "hono";
import { planRequest } from "../router/plan.js";
import { effectiveLimits } from "../strategies/budget.js";
import { fanOutCalls } from "../strategies/fan-out.js";
import { createStrategyContext } from "../strategies/context.js";
import { strategyReport } from "../strategies/report.js";
import { selectStrategy } from "../strategies/select.js";
import { tenantAllows } from "../tenants/registry.js";
import { readJson, validate } from "./body.js";
import { completionToChunks, usageChunk } from "./chunks.js";
import { asGatewayError, GatewayError, invalidParam } from "./errors.js";
import type { GatewayHooks } from "./hooks.js";
import { estimateTokens, explainHeaders, jsonResponse, trackRequest } from "./lifecycle.js";
import { clientFor, type GatewayEnv, headerRecord, openScope, requireTenant } from "./request-context.js";
import { chatRequestSchema, type ChatRequest } from "./schemas.js";
import { type SseItem, sseResponse } from "./sse-response.js";
import type { ChatCompletion, ChatCompletionChunk } from "./types.js";

/** Default cap on output tokens used to reserve budget when the request sets none. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export async function handleChat(c: Context<GatewayEnv>, hooks: GatewayHooks): Promise<Response> {
  const runtime = c.get("runtime");
  requireTenant(c);
  const request = validate(chatRequestSchema, await readJson(c, runtime.config.server.bodyLimitBytes));
  return runChat(c, hooks, request);
}

/** Shared by `/v1/chat/completions` and the Responses API (which translates to a chat request). */
export async function runChat(
  c: Context<GatewayEnv>,
  hooks: GatewayHooks,
  request: ChatRequest,
  output: ChatOutput = defaultChatOutput,
): Promise<Response> {
  const runtime = c.get("runtime");
  const identity = requireTenant(c);
  const headers = headerRecord(c);
  const scope = openScope(c, identity, runtime.catalog);
  const tracker = trackRequest(scope, output.endpoint, hooks, c.get("startedAt"));
  tracker.stream = request.stream === true;
  try {
    const plan = await planRequest(runtime, identity, request.model, request, headers, { requestId: scope.requestId, models: (node) => clientFor(scope, node) });
    tracker.plan = plan;
    const client = clientFor(scope, plan.node);
    if (request.stream && !client.capabilities.streaming) {
      throw new GatewayError(`Model "${plan.node}" does not support streaming.`, { status: 400, code: "capability_missing", param: "stream" });
    }
    if (request.tools?.length && !client.capabilities.tools) {
      throw new GatewayError(`Model "${plan.node}" does not support tools.`, { status: 400, code: "capability_missing", param: "tools" });
    }
    const env = { route: plan.route, verifiers: runtime.config.verifiers, mayUse: (m: string) => tenantAllows(identity.config.models, m) };
    const chosen = selectStrategy(request, headers["x-octoroute-strategy"], plan.strategy, identity.config, client, env);
    // A post-generation router (cascade) answers itself, unless the request named a strategy.
    const selected = plan.runner && (chosen.source === "route" || chosen.source === "tenant" || chosen.source === "default") ? { ...chosen, strategy: plan.runner, params: {} } : chosen;
    tracker.strategy = selected.strategy.name;
    const limits = effectiveLimits(selected.budget, identity.config.strategies);
    // `n > 1` on a model answering one choice per call is n parallel calls (`fan-out.ts`).
    const fanOut = selected.strategy.name === "none" ? fanOutCalls(request, client) : 1;
    if (fanOut > limits.calls) {
      throw invalidParam("n", `n=${fanOut} on model "${plan.node}" takes ${fanOut} upstream calls (it answers one choice per call); this tenant allows at most ${limits.calls} per request.`);
    }
    const maxCalls = fanOut > 1 ? fanOut : Math.min(selected.strategy.maxCalls?.(selected.params) ?? 1, limits.calls);
    // Each of the n choices an upstream answers in one call is up to max_tokens of output.
    const choicesPerCall = selected.strategy.name === "none" && fanOut === 1 ? Math.max(1, request.n ?? 1) : 1;
    if (hooks.admit) {
      tracker.admission = await hooks.admit({
        requestId: scope.requestId,
        identity,
        endpoint: output.endpoint,
        model: plan.node,
        promptTokens: estimateTokens(request.messages),
        maxOutputTokens: (request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS) * choicesPerCall,
        // Worst case of the strategy, so budgets can reserve for every call it may make.
        maxCalls,
        // A multi-call strategy stops at its token/USD budget, which bounds its worst case.
        ...(maxCalls > 1 && fanOut === 1 ? { maxTokens: limits.tokens, maxUsd: limits.usd } : {}),
      });
    }
    const progress: string[] = [];
    let notify: (() => void) | null = null;
    const ctx = createStrategyContext({
      client,
      params: selected.params,
      account: scope.account,
      signal: scope.signal,
      limits,
      maxCalls,
      env,
      trace: selected.trace,
      emit: (ev) => {
        progress.push(ev.message);
        notify?.();
      },
    });
    const report = () => strategyReport(selected, ctx, scope.account);

    if (!request.stream) {
      const completion = await selected.strategy.run(request, ctx).finally(() => ctx.budget.dispose());
      const octoroute = report();
      const totals = tracker.finish(200);
      const answered = scope.account.records.findLast((r) => r.purpose === "answer" && r.status === "ok")?.model ?? plan.node;
      const body = output.fromCompletion({ ...completion, usage: totals.usage, ...(octoroute ? { octoroute } : {}) }, totals.costUsd);
      const explain = explainHeaders(plan, selected.strategy.name, answered, totals.costUsd, tracker.admission);
      if (ctx.budget.stoppedBy) explain["x-octoroute-budget-stopped"] = ctx.budget.stoppedBy;
      if (selected.note) explain["x-octoroute-strategy-note"] = selected.note;
      return jsonResponse(c, body, explain);
    }

    const includeUsage = request.stream_options?.include_usage === true;
    let template = { id: `chatcmpl-${scope.requestId}`, created: Math.floor(Date.now() / 1000), model: request.model };
    let source: AsyncIterable<ChatCompletionChunk>;
    let answeringModel = plan.node;
    if (selected.strategy.stream) {
      const stream = await selected.strategy.stream(request, ctx);
      source = stream;
      if ("model" in stream && typeof (stream as { model?: { name?: string } }).model?.name === "string") {
        answeringModel = (stream as unknown as { model: { name: string } }).model.name;
      }
    } else {
      // Multi-call strategies: progress as SSE comments while they work, then the chosen answer.
      const running = selected.strategy.run(request, ctx).finally(() => ctx.budget.dispose());
      source = (async function* () {
        let settled: ChatCompletion | undefined;
        let failure: unknown;
        running.then(
          (v) => {
            settled = v;
            notify?.();
          },
          (e) => {
            failure = e ?? new Error("strategy failed");
            notify?.();
          },
        );
        for (;;) {
          while (progress.length) yield { id: "", object: "chat.completion.chunk", created: 0, model: "", choices: [], __comment: progress.shift()! } as ChatCompletionChunk;
          if (failure) throw failure;
          if (settled) break;
          await new Promise<void>((r) => (notify = r));
          notify = null;
        }
        const chunks = completionToChunks(settled);
        // The strategy's report (budget stop, trace) rides on the chunk that carries finish_reason.
        const octoroute = report();
        if (ctx.budget.stoppedBy) yield { id: "", object: "chat.completion.chunk", created: 0, model: "", choices: [], __comment: `budget stopped: ${ctx.budget.stoppedBy}` } as ChatCompletionChunk;
        if (octoroute && chunks.length) chunks[chunks.length - 1] = { ...chunks[chunks.length - 1]!, octoroute } as ChatCompletionChunk;
        for (const chunk of chunks) yield chunk;
      })();
    }
    const startedAt = c.get("startedAt");
    const items = (async function* (): AsyncGenerator<SseItem> {
      let first = true;
      for await (const chunk of source) {
        const comment = (chunk as { __comment?: string }).__comment;
        if (comment !== undefined) {
          yield { comment };
          continue;
        }
        if (first) {
          tracker.ttftMs = Date.now() - startedAt;
          first = false;
        }
        template = { id: chunk.id || template.id, created: chunk.created || template.created, model: chunk.model || template.model };
        if (chunk.usage !== undefined) {
          const { usage: _drop, ...rest } = chunk;
          yield* output.chunk(rest as ChatCompletionChunk);
        } else yield* output.chunk(chunk);
      }
      const totals = scope.account.totals();
      yield* output.streamEnd(template, totals, includeUsage);
    })();
    return sseResponse(items, {
      headers: { "x-request-id": scope.requestId, ...explainHeaders(plan, selected.strategy.name, answeringModel, undefined, tracker.admission) },
      done: output.sseDone,
      errorEvent: output.errorEvent,
      onEnd: (outcome) => {
        if (outcome === "cancelled") scope.abort();
        ctx.budget.dispose();
        tracker.finish(outcome === null ? 200 : outcome === "cancelled" ? 499 : outcome.status, outcome ?? undefined);
      },
    });
  } catch (err) {
    tracker.finish(asGatewayError(err).status, asGatewayError(err));
    throw err;
  }
}

/** How a chat result is shaped for the client (chat completions here; the Responses API supplies its own). */
export interface ChatOutput {
  endpoint: "chat" | "responses";
  sseDone: boolean;
  fromCompletion(completion: ChatCompletion, costUsd: number | null): unknown;
  chunk(chunk: ChatCompletionChunk): Iterable<SseItem>;
  /** Events after the last chunk; may be async (e.g. the Responses API stores the response first). */
  streamEnd(template: { id: string; created: number; model: string }, totals: ReturnType<import("../telemetry/usage.js").Account["totals"]>, includeUsage: boolean): Iterable<SseItem> | AsyncIterable<SseItem>;
  /** The event(s) that end a failed stream. */
  errorEvent?(err: GatewayError): SseItem | SseItem[];
}

export const defaultChatOutput: ChatOutput = {
  endpoint: "chat",
  sseDone: true,
  fromCompletion: (completion) => completion,
  chunk: (chunk) => [{ data: chunk }],
  streamEnd: (template, totals, includeUsage) =>
    includeUsage ? [{ data: usageChunk(template, totals.usage, { octoroute: { cost_usd: totals.costUsd } }) }] : [],
};
