/**
 * Cloudflare Workers entry: the same createApp, with `fetch` as the HTTP client. The config is the
 * YAML/JSON text in the `OCTOROUTE_CONFIG` binding (a var or secret); `${VAR}` placeholders in it
 * are filled from the other bindings (e.g. secrets holding provider keys). Parsed once per isolate.
 *
 * Budgets and rate limits are counted in the `OCTOROUTE_COUNTERS` Durable Object binding (one
 * object per tenant, `src/edge/counters-object.ts`; declared in `wrangler.toml`). A config that
 * sets a budget or limit without that binding is refused: serving it unchecked would be a
 * surprise nobody asked for.
 *
 * With an `OCTOROUTE_DB` D1 binding, the usage ledger and `/v1/usage` work as on Node
 * (`src/edge/d1-ledger.ts`), and `/v1/responses` keeps conversations there
 * (`src/edge/d1-response-store.ts`) and bandit routes their arms and feedback decisions
 * (`src/edge/d1-router-store.ts`); without it, both live in each isolate's memory.
 *
 * With `telemetry.otlp`, spans are exported as on Node (`src/edge/span-export-fetch.ts`) and
 * metrics are pushed with delta temporality (`src/edge/metrics-export-fetch.ts`); `/metrics`
 * (a scrape of one process's totals) is Node-only.
 *
 * Router artifacts named by path are read from the `OCTOROUTE_FILES` static-assets binding (the
 * `config/` directory, `src/edge/router-artifacts.ts`).
 *
 * There are no files at the edge: a config's `priceCatalog` is served by `config/prices.yaml` as
 * bundled at deploy time (whatever file it names), and per-model `price` entries still win.
 */
import { parse as parseYaml } from "yaml";
import bundledPrices from "../config/prices.yaml";
import { createApp } from "./app.js";
import type { OctorouteConfig } from "./config/schema.js";
import { parseConfig } from "./config/loader.js";
import { type GatewayHooks, composeHooks } from "./api/hooks.js";
import { type DurableObjectNamespaceLike, DurableObjectCounterStore } from "./edge/durable-counter-store.js";
import { keepAlive, requestContext, type WaitUntil } from "./edge/request-context.js";
import { edgeSpanExport } from "./edge/span-export-fetch.js";
import { edgeMetricsExport } from "./edge/metrics-export-fetch.js";
import { type FilesLike, loadEdgeArtifacts } from "./edge/router-artifacts.js";
import { prepareRouters } from "./router/registry.js";
import dashboardAssets from "octoroute-dashboard-assets";
import { dashboardPlugin } from "./dashboard/plugin.js";
import { D1Ledger, type D1DatabaseLike } from "./edge/d1-ledger.js";
import { D1ResponseStore } from "./edge/d1-response-store.js";
import { D1RouterStore } from "./edge/d1-router-store.js";
import { attachRouterStore } from "./router/store.js";
import { ledgerSchema } from "./config/telemetry.js";
import { Ledger } from "./telemetry/ledger/ledger.js";
import { usageApi } from "./api/usage.js";
import type { GatewayPlugin } from "./app.js";
import { fetchHttpClient } from "./providers/http.js";
import { buildRuntime, type Runtime } from "./runtime.js";
import { parsePriceCatalog } from "./telemetry/price-catalog.js";
import { budgetAdmission } from "./tenants/budgets/admission.js";

export { OctorouteCounters } from "./edge/counters-object.js";

interface WorkerEnv {
  OCTOROUTE_CONFIG?: string;
  OCTOROUTE_COUNTERS?: DurableObjectNamespaceLike;
  OCTOROUTE_DB?: D1DatabaseLike;
  OCTOROUTE_FILES?: FilesLike;
  [binding: string]: unknown;
}

type App = ReturnType<typeof createApp>;

/** The app of this isolate, built once per config text and bindings (concurrent first requests share the build). */
let cached: { text: string; counters: unknown; ledger: unknown; app: Promise<App> } | undefined;

/** Whether any tenant or key has a budget or a rate limit. */
function countsSpend(config: OctorouteConfig): boolean {
  return Object.values(config.tenants).some((t) => t.budget !== undefined || t.limits !== undefined || t.keys.some((k) => typeof k !== "string" && (k.budget !== undefined || k.limits !== undefined)));
}

function appFor(env: WorkerEnv): Promise<App> {
  const text = env.OCTOROUTE_CONFIG;
  if (!text) return Promise.reject(new Error("OCTOROUTE_CONFIG binding is not set (put the config YAML/JSON in a var or secret)"));
  if (cached?.text === text && cached.counters === env.OCTOROUTE_COUNTERS && cached.ledger === env.OCTOROUTE_DB) return cached.app;
  const app = buildApp(text, env);
  cached = { text, counters: env.OCTOROUTE_COUNTERS, ledger: env.OCTOROUTE_DB, app };
  // A failed build is not kept: the next request tries again (an asset may have been missing briefly).
  app.catch(() => {
    if (cached?.app === app) cached = undefined;
  });
  return app;
}

async function buildApp(text: string, env: WorkerEnv): Promise<App> {
  const vars: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") vars[k] = v;
  const config = parseConfig(text, vars, "OCTOROUTE_CONFIG");
  const problems = await loadEdgeArtifacts(config, env.OCTOROUTE_FILES);
  if (problems.length) throw new Error(`invalid routes: ${problems.join("; ")}`);
  const prices = config.priceCatalog ? parsePriceCatalog(parseYaml(bundledPrices), "config/prices.yaml (bundled)") : {};
  const runtime: Runtime = buildRuntime(config, fetchHttpClient((input, init) => fetch(input, init)), prices);
  // Bandit arms and feedback decisions: in D1 when there is one (feedback may reach another
  // isolate than its request), else in this isolate's memory.
  if (env.OCTOROUTE_DB) attachRouterStore(runtime, new D1RouterStore(env.OCTOROUTE_DB));
  // Every router is built now, so a malformed artifact fails the load, not a request on its route.
  prepareRouters(runtime);
  let budgets: GatewayHooks | undefined;
  let store: DurableObjectCounterStore | undefined;
  if (countsSpend(config)) {
    if (!env.OCTOROUTE_COUNTERS) {
      throw new Error("the config sets budgets or rate limits, which Workers count in a Durable Object: add the OCTOROUTE_COUNTERS binding (class OctorouteCounters) as wrangler.toml does");
    }
    store = new DurableObjectCounterStore(env.OCTOROUTE_COUNTERS, Object.keys(config.tenants), config.counters?.onUnavailable ?? "allow", (msg) => console.warn(msg));
    budgets = { admit: budgetAdmission({ store, priceOf: (model: string) => runtime.catalog.get(model)?.price }) };
  }
  const spans = config.telemetry && edgeSpanExport(config.telemetry, { log: (msg) => console.warn(msg) });
  const metrics = config.telemetry && edgeMetricsExport(config.telemetry, { log: (msg) => console.warn(msg) });
  const traces: GatewayHooks | undefined =
    spans || metrics
      ? {
          onRequestEnd(s) {
            const ctx = requestContext.getStore();
            spans?.add(s, ctx);
            metrics?.add(s, ctx);
          },
        }
      : undefined;
  const { hooks: ledgerHooks, plugins } = edgeLedger(config, env.OCTOROUTE_DB, store);
  // Stored responses: in D1 when there is one (isolates share no memory), else in this isolate.
  const db = env.OCTOROUTE_DB;
  const responseStore = db && config.responses.storage !== "memory" ? new D1ResponseStore(db) : undefined;
  return createApp({ runtime: () => runtime, hooks: composeHooks(budgets, traces, ledgerHooks), plugins, responseStore });
}

/**
 * The usage ledger in the `OCTOROUTE_DB` D1 binding, when there is one (and `ledger.enabled`
 * is not false): each request's rows are written when it ends, handed to its `waitUntil` (rows of
 * requests that end together go in one batch), and `/v1/usage` is served from it. Retention runs
 * after a request at most every `ledger.retentionIntervalMs`. `ledger.url` and `ledger.path` are
 * Node-only.
 */
function edgeLedger(config: OctorouteConfig, db: D1DatabaseLike | undefined, store: DurableObjectCounterStore | undefined): { hooks?: GatewayHooks; plugins: GatewayPlugin[] } {
  const lc = ledgerSchema.parse(config.ledger ?? {});
  if (!db || !lc.enabled) return { plugins: [] };
  const ledger = new Ledger(new D1Ledger(db), { onError: (err) => console.warn(`ledger (d1) write failed, rows kept for retry: ${(err as Error).message}`) });
  let lastCleanup = 0;
  const hooks: GatewayHooks = {
    onRequestEnd(summary) {
      ledger.record(summary);
      const ctx = requestContext.getStore();
      keepAlive(ledger.flush(), ctx);
      if (lc.retentionDays !== undefined && Date.now() - lastCleanup >= lc.retentionIntervalMs) {
        lastCleanup = Date.now();
        const before = Date.now() - lc.retentionDays * 86_400_000;
        keepAlive(ledger.backend.deleteBefore(before).catch(() => 0), ctx);
      }
    },
  };
  // The dashboard reads the usage API, so it comes with the ledger. Idealised latency is kept
  // per process on Node; an isolate's share would mislead, so it is not offered here.
  return { hooks, plugins: [usageApi({ ledger, spend: store && ((scope, now) => store.spend(scope, now)) }), dashboardPlugin({ assets: dashboardAssets })] };
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: WaitUntil): Promise<Response> {
    let app: App;
    try {
      app = await appFor(env);
    } catch (err) {
      const message = `Gateway misconfigured: ${(err as Error).message}`;
      return Response.json({ error: { message, type: "server_error", param: null, code: "config_error" } }, { status: 500 });
    }
    return requestContext.run(ctx, () => app.fetch(request, env, ctx as never));
  },
};
