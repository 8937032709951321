/**
 * Resolves the `model` a client asked for into a Plan: a catalog model goes straight through; a
 * route name is decided by the route's router over the request's features (computed once here).
 * Tenant permissions are checked here, once, and so is the per-request cost–quality knob
 * (`octoroute.quality`, `octoroute.max_cost_usd`).
 */
import { GatewayError, invalidParam } from "../api/errors.js";
import type { ChatRequest } from "../api/schemas.js";
import type { RouteConfig } from "../config/routes.js";
import type { ModelClient } from "../models/model-client.js";
import type { Runtime } from "../runtime.js";
import { tenantAllows, type TenantIdentity } from "../tenants/registry.js";
import { requestFeatures, type RequestFeatures } from "./features.js";
import { routerFor } from "./registry.js";
import { routerStoreOf } from "./store.js";
import type { Plan } from "./types.js";

export function unknownModel(name: string): GatewayError {
  return new GatewayError(`The model "${name}" does not exist.`, { status: 404, code: "model_not_found", param: "model" });
}

export function modelNotAllowed(name: string, tenant: string): GatewayError {
  return new GatewayError(`Tenant "${tenant}" may not use the model "${name}".`, { status: 403, code: "model_not_allowed", param: "model" });
}

/** Checks that `name` exists and the tenant may use it; returns whether it is a route. */
export function authorizeModel(runtime: Runtime, identity: TenantIdentity, name: string): "model" | "route" {
  const { config } = runtime;
  if (config.routes[name]) {
    if (!tenantAllows(identity.config.routes, name)) throw modelNotAllowed(name, identity.tenant);
    return "route";
  }
  if (runtime.catalog.get(name)) {
    if (!tenantAllows(identity.config.models, name)) throw modelNotAllowed(name, identity.tenant);
    return "model";
  }
  throw unknownModel(name);
}

/** What planning may use from the request's scope: its id and metered clients (LLM router, embeddings). */
export interface PlanScope {
  requestId: string;
  models(node: string): ModelClient;
}

/** The per-request knob: `octoroute.quality` in [0,1] and `octoroute.max_cost_usd` > 0 (400 naming the field otherwise). */
export function requestKnob(request: ChatRequest | null): { quality?: number; maxCostUsd?: number } {
  const o = (request?.octoroute ?? {}) as Record<string, unknown>;
  const out: { quality?: number; maxCostUsd?: number } = {};
  if (o.quality !== undefined) {
    if (typeof o.quality !== "number" || !(o.quality >= 0 && o.quality <= 1)) throw invalidParam("octoroute.quality", "octoroute.quality must be a number between 0 and 1.");
    out.quality = o.quality;
  }
  if (o.max_cost_usd !== undefined) {
    if (typeof o.max_cost_usd !== "number" || !(o.max_cost_usd > 0)) throw invalidParam("octoroute.max_cost_usd", "octoroute.max_cost_usd must be a positive number (USD).");
    out.maxCostUsd = o.max_cost_usd;
  }
  return out;
}

/** Nodes a route chooses among: its `candidates`, else the nodes its router names. */
export function routeCandidates(route: RouteConfig): string[] {
  if (route.candidates?.length) return route.candidates;
  const r = route.router;
  const named = r?.type === "rules" ? r.rules.map((x) => x.node) : [];
  return [...new Set([...named, ...(route.default ? [route.default] : [])])];
}

/** Estimated USD of a request on a node: prompt tokens + expected output (the request's cap, else 256). */
export function estimatedCost(runtime: Runtime, node: string, f: RequestFeatures): number | undefined {
  const price = runtime.catalog.get(node)?.price;
  if (!price) return undefined;
  return (f.promptTokens * price.input + (f.maxOutputTokens ?? 256) * price.output) / 1e6 + (price.perRequest ?? 0);
}

function strategyOf(route: RouteConfig): Plan["strategy"] {
  return typeof route.strategy === "string" ? { name: route.strategy, params: {} } : route.strategy ? { name: route.strategy.name, params: { ...route.strategy } } : undefined;
}

export async function planRequest(
  runtime: Runtime,
  identity: TenantIdentity,
  name: string,
  request: ChatRequest | null,
  headers: Record<string, string>,
  scope?: PlanScope,
): Promise<Plan> {
  const kind = authorizeModel(runtime, identity, name);
  if (kind === "model") return { node: name, reason: "model requested directly" };
  const route = runtime.config.routes[name]!;
  const strategy = strategyOf(route);
  if (route.model) return { node: route.model, route: name, strategy, reason: `route ${name} is an alias of ${route.model}`, router: "alias" };
  const all = routeCandidates(route);
  const fallback = route.default ?? all[0];
  if (!fallback) throw new GatewayError(`Route "${name}" has no candidates.`, { status: 500, code: "route_misconfigured" });
  if (!route.router) return { node: fallback, route: name, strategy, reason: `route ${name}: first candidate`, router: "first" };
  if (!request) {
    // Legacy completions carry no chat request to route on: the route's default node answers.
    return { node: fallback, route: name, strategy, reason: `route ${name}: default node (no chat request to route)`, router: route.router.type };
  }

  const knob = requestKnob(request);
  const features = requestFeatures(request, headers, identity.tenant);
  let candidates = all;
  let capped = "";
  if (knob.maxCostUsd !== undefined) {
    const within = all.filter((n) => (estimatedCost(runtime, n, features) ?? 0) <= knob.maxCostUsd!);
    if (within.length) candidates = within;
    else {
      const cheapest = [...all].sort((a, b) => (estimatedCost(runtime, a, features) ?? 0) - (estimatedCost(runtime, b, features) ?? 0))[0]!;
      candidates = [cheapest];
    }
    capped = ` [max_cost_usd ${knob.maxCostUsd}: ${candidates.join(", ")}]`;
  }
  const router = routerFor(runtime, name, route.router);
  const decision = await router.decide({
    runtime,
    routeName: name,
    route,
    config: route.router,
    request,
    headers,
    tenant: identity.tenant,
    requestId: scope?.requestId ?? "",
    features,
    candidates,
    fallback: candidates.includes(fallback) ? fallback : candidates[0]!,
    quality: knob.quality,
    models: scope?.models,
    store: routerStoreOf(runtime),
  });
  const plan: Plan = {
    node: decision.node,
    route: name,
    strategy,
    reason: decision.reason + capped,
    scores: decision.scores,
    router: router.type,
    threshold: decision.threshold,
    runner: decision.runner,
    maxCalls: decision.maxCalls,
  };
  decision.bind?.(plan);
  return plan;
}
