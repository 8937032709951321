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
 * With `telemetry.otlp`, spans are exported as on Node (`src/edge/span-export-fetch.ts`); metrics
 * and `/metrics` are Node-only.
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
import { requestContext, type WaitUntil } from "./edge/request-context.js";
import { edgeSpanExport } from "./edge/span-export-fetch.js";
import { fetchHttpClient } from "./providers/http.js";
import { buildRuntime, type Runtime } from "./runtime.js";
import { parsePriceCatalog } from "./telemetry/price-catalog.js";
import { budgetAdmission } from "./tenants/budgets/admission.js";

export { OctorouteCounters } from "./edge/counters-object.js";

interface WorkerEnv {
  OCTOROUTE_CONFIG?: string;
  OCTOROUTE_COUNTERS?: DurableObjectNamespaceLike;
  [binding: string]: unknown;
}

let cached: { text: string; counters: unknown; app: ReturnType<typeof createApp> } | undefined;

/** Whether any tenant or key has a budget or a rate limit. */
function countsSpend(config: OctorouteConfig): boolean {
  return Object.values(config.tenants).some((t) => t.budget !== undefined || t.limits !== undefined || t.keys.some((k) => typeof k !== "string" && (k.budget !== undefined || k.limits !== undefined)));
}

function appFor(env: WorkerEnv): ReturnType<typeof createApp> {
  const text = env.OCTOROUTE_CONFIG;
  if (!text) throw new Error("OCTOROUTE_CONFIG binding is not set (put the config YAML/JSON in a var or secret)");
  if (cached?.text === text && cached.counters === env.OCTOROUTE_COUNTERS) return cached.app;
  const vars: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === "string") vars[k] = v;
  const config = parseConfig(text, vars, "OCTOROUTE_CONFIG");
  const prices = config.priceCatalog ? parsePriceCatalog(parseYaml(bundledPrices), "config/prices.yaml (bundled)") : {};
  const runtime: Runtime = buildRuntime(config, fetchHttpClient((input, init) => fetch(input, init)), prices);
  let budgets: GatewayHooks | undefined;
  if (countsSpend(config)) {
    if (!env.OCTOROUTE_COUNTERS) {
      throw new Error("the config sets budgets or rate limits, which Workers count in a Durable Object: add the OCTOROUTE_COUNTERS binding (class OctorouteCounters) as wrangler.toml does");
    }
    const store = new DurableObjectCounterStore(env.OCTOROUTE_COUNTERS, Object.keys(config.tenants), config.counters?.onUnavailable ?? "allow", (msg) => console.warn(msg));
    budgets = { admit: budgetAdmission({ store, priceOf: (model: string) => runtime.catalog.get(model)?.price }) };
  }
  const spans = config.telemetry && edgeSpanExport(config.telemetry, { log: (msg) => console.warn(msg) });
  const traces: GatewayHooks | undefined = spans ? { onRequestEnd: (s) => spans.add(s, requestContext.getStore()) } : undefined;
  const app = createApp({ runtime: () => runtime, hooks: composeHooks(budgets, traces) });
  cached = { text, counters: env.OCTOROUTE_COUNTERS, app };
  return app;
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: WaitUntil): Response | Promise<Response> {
    try {
      const app = appFor(env);
      return requestContext.run(ctx, () => app.fetch(request, env, ctx as never));
    } catch (err) {
      const message = `Gateway misconfigured: ${(err as Error).message}`;
      return Response.json({ error: { message, type: "server_error", param: null, code: "config_error" } }, { status: 500 });
    }
  },
};
