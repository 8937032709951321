/**
 * Node side of loading routes: reads router artifacts named by path (relative to the config file)
 * into the config, checks the routes' cross-references, and builds every router once, so a
 * missing or malformed artifact fails the load — or a reload, which then keeps the old config.
 */
import { readFileSync } from "node:fs";
import { withoutBom } from "../jsonl.js";
import { isAbsolute, resolve } from "node:path";
import { ConfigError } from "../config/loader.js";
import type { OctorouteConfig } from "../config/schema.js";
import { prepareRouters } from "../router/registry.js";
import { attachRouterStore, type RouterStore } from "../router/store.js";
import { routeProblems } from "../router/validate.js";
import type { Runtime } from "../runtime.js";
import { openDatabase } from "./database.js";
import { SqliteRouterStore } from "./router-store-sqlite.js";

/** Inlines artifact files into `config` (in place) and validates the routes; throws ConfigError. */
export function prepareRouterConfig(config: OctorouteConfig, baseDir: string): OctorouteConfig {
  const problems = routeProblems(config);
  for (const [name, route] of Object.entries(config.routes)) {
    const r = route.router;
    if (!r || (r.type !== "classifier" && r.type !== "knn") || typeof r.artifact !== "string") continue;
    const path = isAbsolute(r.artifact) ? r.artifact : resolve(baseDir, r.artifact);
    try {
      r.artifact = JSON.parse(withoutBom(readFileSync(path, "utf8"))) as typeof r.artifact;
    } catch (err) {
      problems.push(`routes.${name}.router.artifact: cannot load ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(`invalid routes:\n  ${problems.join("\n  ")}`, problems);
  return config;
}

/** The router state store of a gateway process: SQLite in the configured database file. */
/** The router state store; the database opens on first use (bandit routes and feedback only). */
export function routerStoreFor(config: OctorouteConfig): RouterStore {
  let store: SqliteRouterStore | undefined;
  const open = () => (store ??= new SqliteRouterStore(openDatabase(config.database.path)));
  return {
    arms: (route, bucket) => open().arms(route, bucket),
    pull: (route, bucket, node) => open().pull(route, bucket, node),
    reward: (route, bucket, node, score) => open().reward(route, bucket, node, score),
    saveDecision: (d) => open().saveDecision(d),
    takeDecision: (requestId) => open().takeDecision(requestId),
  };
}

/** Attaches the process's router store to a freshly built runtime and builds its routers (throws on a bad artifact). */
export function withRouters(runtime: Runtime, store: RouterStore): Runtime {
  attachRouterStore(runtime, store);
  prepareRouters(runtime);
  return runtime;
}
