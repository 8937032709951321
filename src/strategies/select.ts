/**
 * Picks the strategy for a request: the `octoroute.strategy` body field, else the
 * `x-octoroute-strategy` header, else the route's default, else `none`. Tenant policy may forbid
 * a strategy. Unknown names and bad parameters are 400s naming the parameter.
 */
import { GatewayError, invalidParam } from "../api/errors.js";
import type { ChatRequest } from "../api/schemas.js";
import type { TenantConfig } from "../config/tenants.js";
import type { ModelClient } from "../models/model-client.js";
import { STRATEGIES } from "./registry.js";
import type { Strategy, StrategySpec } from "./types.js";

export interface SelectedStrategy {
  strategy: Strategy;
  params: Record<string, unknown>;
  /** Where the choice came from, for the param name in errors. */
  source: "body" | "header" | "route" | "default";
}

export function selectStrategy(
  request: ChatRequest,
  header: string | undefined,
  routeDefault: StrategySpec | undefined,
  tenant: TenantConfig,
  client: ModelClient,
): SelectedStrategy {
  const opts = (request.octoroute ?? {}) as Record<string, unknown>;
  let spec: StrategySpec;
  let source: SelectedStrategy["source"];
  let param: string;
  if (opts.strategy !== undefined) {
    if (typeof opts.strategy !== "string") throw invalidParam("octoroute.strategy", "octoroute.strategy must be a string.");
    const { strategy: _s, ...params } = opts;
    spec = { name: opts.strategy, params };
    source = "body";
    param = "octoroute.strategy";
  } else if (header) {
    spec = { name: header.trim(), params: {} };
    source = "header";
    param = "x-octoroute-strategy";
  } else if (routeDefault) {
    spec = routeDefault;
    source = "route";
    param = "model";
  } else {
    spec = { name: "none", params: {} };
    source = "default";
    param = "octoroute.strategy";
  }
  const strategy = STRATEGIES.get(spec.name);
  if (!strategy) {
    throw invalidParam(param, `Unknown strategy "${spec.name}". Known strategies: ${[...STRATEGIES.keys()].join(", ")}.`, "unknown_strategy");
  }
  const allowed = tenant.strategies?.allowed;
  if (allowed && spec.name !== "none" && !allowed.includes(spec.name)) {
    throw new GatewayError(`Strategy "${spec.name}" is not allowed for this tenant.`, { status: 403, code: "strategy_not_allowed", param });
  }
  return { strategy, params: strategy.parseParams(spec.params, client), source };
}
