/**
 * Builds the router of each route once per Runtime (artifacts parsed, regexes compiled) and keeps
 * it for the runtime's lifetime: a config reload builds a new Runtime, hence new routers, while
 * requests in flight keep the ones they started with.
 */
import type { RouterConfig } from "../config/routes.js";
import type { Runtime } from "../runtime.js";
import { banditRouter } from "./bandit.js";
import { cascadeRouter } from "./cascade.js";
import { learnedRouter } from "./learned.js";
import { llmRouter } from "./llm.js";
import { rulesRouter } from "./rules.js";
import type { Router } from "./types.js";

export function buildRouter(config: RouterConfig): Router {
  switch (config.type) {
    case "rules":
      return rulesRouter(config);
    case "classifier":
    case "knn":
      return learnedRouter(config);
    case "llm":
      return llmRouter(config);
    case "cascade":
      return cascadeRouter(config);
    case "bandit":
      return banditRouter(config);
  }
}

const built = new WeakMap<Runtime, Map<string, Router>>();

/** The router of `routeName` in this runtime (built on first use). */
export function routerFor(runtime: Runtime, routeName: string, config: RouterConfig): Router {
  let routes = built.get(runtime);
  if (!routes) built.set(runtime, (routes = new Map()));
  let router = routes.get(routeName);
  if (!router) routes.set(routeName, (router = buildRouter(config)));
  return router;
}

/** Builds every router of a runtime up front, so a bad artifact fails the (re)load, not a request. */
export function prepareRouters(runtime: Runtime): void {
  for (const [name, route] of Object.entries(runtime.config.routes)) if (route.router) routerFor(runtime, name, route.router);
}
