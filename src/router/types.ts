/**
 * The router contract: given a request, decide which model node answers and why. Routers decide;
 * they never run the answer (strategies do). A router may call models (LLM router, cascade judge)
 * only through the metered ModelClient, so those calls are billed to the request.
 */
import type { ChatRequest } from "../api/schemas.js";
import type { RouteConfig } from "../config/routes.js";
import type { Runtime } from "../runtime.js";
import type { StrategySpec } from "../strategies/types.js";

export interface Plan {
  /** Catalog model that answers. */
  node: string;
  /** Route name when the client called a route. */
  route?: string;
  /** Strategy default from the route (the request may override). */
  strategy?: StrategySpec;
  /** Human-readable why, sent as `x-octoroute-route-reason`. */
  reason: string;
  /** Router scores per candidate, for telemetry and the trace. */
  scores?: Record<string, number>;
  /** Router name that decided. */
  router?: string;
}

export interface RouteInput {
  runtime: Runtime;
  routeName: string;
  route: RouteConfig;
  request: ChatRequest;
  headers: Record<string, string>;
  tenant: string;
}
