/**
 * Native pass-through: a request that names a catalog model whose provider declares
 * `capabilities.responses` (and asks for no strategy, and no stream) goes upstream as a Responses
 * request, so hosted tools and Responses-only parameters keep working. It is still planned,
 * admitted (budgets), metered through the ModelClient and tracked like every other request. The
 * conversation is expanded here and sent with `store: false`: the upstream never sees another
 * turn's id, so tenant isolation does not depend on it. Streams are translated through chat (the
 * provider contract has no raw streaming call), which streams for real.
 */
import type { Context } from "hono";
import { planRequest } from "../../router/plan.js";
import { DEFAULT_MAX_OUTPUT_TOKENS } from "../chat.js";
import { asGatewayError, GatewayError } from "../errors.js";
import type { GatewayHooks } from "../hooks.js";
import { estimateTokens, explainHeaders, jsonResponse, trackRequest } from "../lifecycle.js";
import { clientFor, type GatewayEnv, headerRecord, openScope, requestHeader, requireTenant } from "../request-context.js";
import type { ConversationItem } from "./conversation.js";
import { responseSkeleton, toResponseUsage } from "./from-chat.js";
import { itemId } from "./ids.js";
import type { ResponsesRequest } from "./schemas.js";
import type { OutputItem, ResponseObject } from "./types.js";

/** Fields that stay at the gateway on a native call. */
const GATEWAY_ONLY = ["octoroute", "previous_response_id", "stream", "stream_options", "store", "input"];

/** Whether this request is served natively (see the header for why the conditions). */
export function wantsNative(c: Context<GatewayEnv>, request: ResponsesRequest): boolean {
  const runtime = c.get("runtime");
  if (request.stream || runtime.config.routes[request.model]) return false;
  if (request.octoroute?.strategy !== undefined || requestHeader(c, "x-octoroute-strategy")) return false;
  return runtime.catalog.get(request.model)?.capabilities.responses === true;
}

/** Items as sent upstream: our ids and statuses stripped (the upstream stores nothing of ours). */
function upstreamInput(items: ConversationItem[]): unknown[] {
  const out: unknown[] = [];
  for (const { item } of items) {
    if (item.type === "reasoning" && !(item as { encrypted_content?: unknown }).encrypted_content) continue;
    const { id: _id, status: _status, ...rest } = item as Record<string, unknown>;
    out.push(item.type === "reasoning" ? item : rest);
  }
  return out;
}

/** The upstream's response with our id, our item ids and the gateway's own fields. */
function normalise(upstream: Record<string, unknown>, base: ResponseObject): ResponseObject {
  const output = (Array.isArray(upstream.output) ? upstream.output : []) as OutputItem[];
  const kinds: Record<string, "msg" | "fc"> = { message: "msg", function_call: "fc" };
  return {
    ...base,
    ...upstream,
    id: base.id,
    object: "response",
    created_at: base.created_at,
    store: base.store,
    previous_response_id: base.previous_response_id,
    metadata: base.metadata,
    output: output.map((item, i) => ({ ...item, id: itemId(base.id, kinds[item.type] ?? "item", i) })),
  } as ResponseObject;
}

export async function runNative(
  c: Context<GatewayEnv>,
  hooks: GatewayHooks,
  request: ResponsesRequest,
  items: ConversationItem[],
  base: { id: string; createdAt: number; store: boolean },
  persist: (response: ResponseObject) => Promise<void>,
): Promise<Response> {
  const identity = requireTenant(c);
  const scope = openScope(c, identity, c.get("runtime").catalog);
  const tracker = trackRequest(scope, "responses", hooks, c.get("startedAt"));
  try {
    // Tenant permissions are checked here, as for every request (a catalog model plans to itself).
    const plan = await planRequest(c.get("runtime"), identity, request.model, null, headerRecord(c));
    tracker.plan = plan;
    const client = clientFor(scope, plan.node);
    if (hooks.admit) {
      tracker.admission = await hooks.admit({
        requestId: scope.requestId,
        identity,
        endpoint: "responses",
        model: plan.node,
        promptTokens: estimateTokens(items.map((i) => i.item)) + estimateTokens(request.instructions ?? ""),
        maxOutputTokens: request.max_output_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
        maxCalls: 1,
      });
    }
    const body: Record<string, unknown> = { ...request };
    for (const f of GATEWAY_ONLY) delete body[f];
    body.input = upstreamInput(items);
    body.store = false;
    const upstream = await client.responses(body);
    if (!upstream || typeof upstream !== "object" || !Array.isArray(upstream.output)) {
      throw new GatewayError(`Upstream for "${plan.node}" returned no Responses output.`, { status: 502, code: "upstream_malformed" });
    }
    const totals = tracker.finish(200);
    const response = normalise(upstream, responseSkeleton(request, base.id, base.createdAt, request.model, base.store));
    response.usage = toResponseUsage(totals.usage);
    await persist(response);
    const answered = scope.account.records.findLast((r) => r.status === "ok")?.model ?? plan.node;
    return jsonResponse(c, response, explainHeaders(plan, "none", answered, totals.costUsd, tracker.admission));
  } catch (err) {
    tracker.finish(asGatewayError(err).status, asGatewayError(err));
    throw err;
  }
}
