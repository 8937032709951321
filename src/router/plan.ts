/**
 * Resolves the `model` a client asked for into a Plan: a catalog model goes straight through; a
 * route name is decided by the route's router. Tenant permissions are checked here, once.
 */
import { GatewayError } from "../api/errors.js";
import type { ChatRequest } from "../api/schemas.js";
import type { Runtime } from "../runtime.js";
import { tenantAllows, type TenantIdentity } from "../tenants/registry.js";
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

export async function planRequest(runtime: Runtime, identity: TenantIdentity, name: string, _request: ChatRequest | null, _headers: Record<string, string>): Promise<Plan> {
  const kind = authorizeModel(runtime, identity, name);
  if (kind === "model") return { node: name, reason: "model requested directly" };
  const route = runtime.config.routes[name]!;
  const strategy = typeof route.strategy === "string" ? { name: route.strategy, params: {} } : route.strategy ? { name: route.strategy.name, params: { ...route.strategy } } : undefined;
  if (route.model) return { node: route.model, route: name, strategy, reason: `route ${name} is an alias of ${route.model}`, router: "alias" };
  // Routers (rules, classifier, knn, llm, cascade, bandit) plug in here.
  const first = route.candidates?.[0];
  if (!first) throw new GatewayError(`Route "${name}" has no candidates.`, { status: 500, code: "route_misconfigured" });
  return { node: first, route: name, strategy, reason: `route ${name}: first candidate`, router: "first" };
}
