/**
 * `POST /v1/completions` (legacy text completions; token-level strategies build on it) and
 * `POST /v1/embeddings`. Single metered calls, streamed through when asked.
 */
import type { Context } from "hono";
import { planRequest } from "../router/plan.js";
import { readJson, validate } from "./body.js";
import { asGatewayError, GatewayError } from "./errors.js";
import type { GatewayHooks } from "./hooks.js";
import { estimateTokens, explainHeaders, jsonResponse, trackRequest } from "./lifecycle.js";
import { clientFor, type GatewayEnv, headerRecord, openScope, requireTenant } from "./request-context.js";
import { completionRequestSchema, embeddingRequestSchema } from "./schemas.js";
import { type SseItem, sseResponse } from "./sse-response.js";
import type { Completion } from "./types.js";

export async function handleCompletions(c: Context<GatewayEnv>, hooks: GatewayHooks): Promise<Response> {
  const runtime = c.get("runtime");
  const identity = requireTenant(c);
  const request = validate(completionRequestSchema, await readJson(c, runtime.config.server.bodyLimitBytes));
  const scope = openScope(c, identity, runtime.catalog);
  const tracker = trackRequest(scope, "completions", hooks, c.get("startedAt"));
  tracker.stream = request.stream === true;
  try {
    const plan = await planRequest(runtime, identity, request.model, null, headerRecord(c));
    tracker.plan = plan;
    const client = clientFor(scope, plan.node);
    if (!client.capabilities.completions) {
      throw new GatewayError(`Model "${plan.node}" does not offer the completions endpoint.`, { status: 400, code: "capability_missing", param: "model" });
    }
    if (request.echo && !client.capabilities.echo) {
      throw new GatewayError(`Model "${plan.node}" does not support echo (prompt logprobs).`, { status: 400, code: "capability_missing", param: "echo" });
    }
    if (hooks.admit) {
      tracker.admission = await hooks.admit({
        requestId: scope.requestId,
        identity,
        endpoint: "completions",
        model: plan.node,
        promptTokens: estimateTokens(request.prompt),
        maxOutputTokens: request.max_tokens ?? 16,
        maxCalls: 1,
      });
    }
    if (!request.stream) {
      const completion = await client.complete(request);
      const totals = tracker.finish(200);
      return jsonResponse(c, { ...completion, usage: totals.usage }, explainHeaders(plan, "none", plan.node, totals.costUsd, tracker.admission));
    }
    const stream = await client.completeStream(request);
    const includeUsage = request.stream_options?.include_usage === true;
    const startedAt = c.get("startedAt");
    const items = (async function* (): AsyncGenerator<SseItem> {
      let last: Completion | undefined;
      for await (const chunk of stream) {
        if (!last) tracker.ttftMs = Date.now() - startedAt;
        last = chunk;
        const { usage: _u, ...rest } = chunk;
        yield { data: rest };
      }
      if (includeUsage) {
        const totals = scope.account.totals();
        yield { data: { id: last?.id ?? scope.requestId, object: "text_completion", created: last?.created ?? 0, model: last?.model ?? request.model, choices: [], usage: totals.usage } };
      }
    })();
    return sseResponse(items, {
      headers: { "x-request-id": scope.requestId, ...explainHeaders(plan, "none", stream.model.name, undefined, tracker.admission) },
      done: true,
      onEnd: (outcome) => {
        if (outcome === "cancelled") scope.abort();
        tracker.finish(outcome === null ? 200 : outcome === "cancelled" ? 499 : outcome.status, outcome ?? undefined);
      },
    });
  } catch (err) {
    tracker.finish(asGatewayError(err).status, asGatewayError(err));
    throw err;
  }
}

export async function handleEmbeddings(c: Context<GatewayEnv>, hooks: GatewayHooks): Promise<Response> {
  const runtime = c.get("runtime");
  const identity = requireTenant(c);
  const request = validate(embeddingRequestSchema, await readJson(c, runtime.config.server.bodyLimitBytes));
  const scope = openScope(c, identity, runtime.catalog);
  const tracker = trackRequest(scope, "embeddings", hooks, c.get("startedAt"));
  try {
    const plan = await planRequest(runtime, identity, request.model, null, headerRecord(c));
    tracker.plan = plan;
    const client = clientFor(scope, plan.node);
    if (!client.capabilities.embeddings) {
      throw new GatewayError(`Model "${plan.node}" is not an embeddings model.`, { status: 400, code: "capability_missing", param: "model" });
    }
    if (hooks.admit) {
      tracker.admission = await hooks.admit({ requestId: scope.requestId, identity, endpoint: "embeddings", model: plan.node, promptTokens: estimateTokens(request.input), maxOutputTokens: 0, maxCalls: 1 });
    }
    const result = await client.embed(request);
    const totals = tracker.finish(200);
    return jsonResponse(c, { ...result, usage: { prompt_tokens: totals.usage.prompt_tokens, total_tokens: totals.usage.prompt_tokens } }, explainHeaders(plan, "none", plan.node, totals.costUsd, tracker.admission));
  } catch (err) {
    tracker.finish(asGatewayError(err).status, asGatewayError(err));
    throw err;
  }
}
