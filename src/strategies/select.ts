/**
 * Picks the strategy for a request: the `octoroute.strategy` body field, else the
 * `x-octoroute-strategy` header (`name; key=value; ...`), else the route's default, else the
 * tenant policy's default, else `none`. Tenant policy may forbid a strategy. Unknown names and
 * bad parameters are 400s naming the parameter; requests with tools fall back to `none` unless
 * the strategy supports tools.
 */
import { GatewayError, invalidParam } from "../api/errors.js";
import type { ChatRequest } from "../api/schemas.js";
import type { TenantConfig } from "../config/tenants.js";
import type { ModelClient } from "../models/model-client.js";
import type { BudgetLimits } from "./budget.js";
import { noneStrategy } from "./none.js";
import { parseBudget, parseStrategyHeader } from "./params.js";
import { STRATEGIES } from "./registry.js";
import type { Strategy, StrategyEnv, StrategySpec } from "./types.js";

export interface SelectedStrategy {
  strategy: Strategy;
  params: Record<string, unknown>;
  /** Where the choice came from, for the param name in errors. */
  source: "body" | "header" | "route" | "tenant" | "default";
  /** `octoroute.trace` was asked for. */
  trace: boolean;
  /** The request's own budget ask (`octoroute.budget`), before tenant caps. */
  budget: Partial<BudgetLimits>;
  /** Why the strategy differs from the one asked for (e.g. tools → none). */
  note?: string;
}

function specOf(raw: string | { name: string; [k: string]: unknown }): StrategySpec {
  if (typeof raw === "string") return { name: raw, params: {} };
  const { name, ...params } = raw;
  return { name, params };
}

export function selectStrategy(
  request: ChatRequest,
  header: string | undefined,
  routeDefault: StrategySpec | undefined,
  tenant: TenantConfig,
  client: ModelClient,
  env?: StrategyEnv,
): SelectedStrategy {
  const opts = (request.octoroute ?? {}) as Record<string, unknown>;
  if (opts.trace !== undefined && typeof opts.trace !== "boolean") throw invalidParam("octoroute.trace", "octoroute.trace must be true or false.");
  const trace = opts.trace === true;
  const budget = parseBudget(opts.budget);
  let spec: StrategySpec;
  let source: SelectedStrategy["source"];
  let param: string;
  // `quality` and `max_cost_usd` are the router's cost–quality knob (src/router/plan.ts), not strategy parameters.
  const { strategy: _s, trace: _t, budget: _b, quality: _q, max_cost_usd: _m, ...bodyParams } = opts;
  if (opts.strategy !== undefined) {
    if (typeof opts.strategy !== "string") throw invalidParam("octoroute.strategy", "octoroute.strategy must be a string.");
    spec = { name: opts.strategy, params: bodyParams };
    source = "body";
    param = "octoroute.strategy";
  } else if (header?.trim()) {
    const fromHeader = parseStrategyHeader(header);
    // Body parameters (without a body strategy) still apply on top of the header's.
    spec = { name: fromHeader.name, params: { ...fromHeader.params, ...bodyParams } };
    source = "header";
    param = "x-octoroute-strategy";
  } else if (routeDefault) {
    spec = { name: routeDefault.name, params: { ...routeDefault.params, ...bodyParams } };
    delete spec.params.name;
    source = "route";
    param = "model";
  } else if (tenant.strategies?.default) {
    spec = specOf(tenant.strategies.default);
    spec.params = { ...spec.params, ...bodyParams };
    source = "tenant";
    param = "octoroute.strategy";
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
  if (request.tools?.length && !strategy.supportsTools && strategy !== noneStrategy) {
    return { strategy: noneStrategy, params: {}, source, trace, budget, note: `${spec.name} does not support tools; answered with none` };
  }
  return { strategy, params: strategy.parseParams(spec.params, client, env), source, trace, budget };
}
