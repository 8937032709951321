/**
 * The router contract: given a request, decide which model node answers and why. Routers decide;
 * they never run the answer (strategies do) — except the cascade, a post-generation router whose
 * decision *is* a sequence of answers, which it hands back as the answering step (`runner`).
 * A router may call models (LLM router, cascade judge, embeddings) only through the metered
 * ModelClient, so those calls are billed to the request.
 */
import type { ChatRequest } from "../api/schemas.js";
import type { RouteConfig, RouterConfig } from "../config/routes.js";
import type { ModelClient } from "../models/model-client.js";
import type { Runtime } from "../runtime.js";
import type { Strategy, StrategySpec } from "../strategies/types.js";
import type { RequestFeatures } from "./features.js";
import type { RouterStore } from "./store.js";

export interface Plan {
  /** Catalog model that answers (the first one, for a cascade). */
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
  /** Threshold the decision was made against (classifier/knn pair score, cascade confidence). */
  threshold?: number;
  /** Post-generation routers (cascade) answer themselves: run this instead of the route's default strategy. */
  runner?: Strategy;
  /** Most upstream calls the plan may make (cascade steps + judges), for admission. */
  maxCalls?: number;
}

/** What a router sees: the request, its features (computed once), the route and the knob. */
export interface RouterContext {
  runtime: Runtime;
  routeName: string;
  route: RouteConfig;
  config: RouterConfig;
  request: ChatRequest;
  headers: Record<string, string>;
  tenant: string;
  requestId: string;
  features: RequestFeatures;
  /** Candidates after the per-request cost cap (never empty). */
  candidates: string[];
  /** Node used when the router cannot decide. */
  fallback: string;
  /** Per-request cost–quality knob in [0,1] (`octoroute.quality`); routers fall back to their route's setting. */
  quality?: number;
  /** Metered client for a node of this request; absent when planning has no request scope. */
  models?: (node: string) => ModelClient;
  store: RouterStore;
}

export interface RouteDecision {
  node: string;
  reason: string;
  scores?: Record<string, number>;
  threshold?: number;
  runner?: Strategy;
  maxCalls?: number;
  /** Called with the final Plan, so a post-generation router can update its explanation once it ran. */
  bind?(plan: Plan): void;
}

/** One router instance per route and runtime (built once, reused by every request). */
export interface Router {
  readonly type: RouterConfig["type"];
  decide(ctx: RouterContext): Promise<RouteDecision> | RouteDecision;
}
