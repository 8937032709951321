/**
 * The cost dashboard at `/dashboard` (a GatewayPlugin): a static page and its script, served by the
 * gateway itself — no build step, no second server. The page signs in with an admin or tenant key
 * and reads the same usage API a client would (`/v1/usage`, `/v1/usage/requests`,
 * `/v1/usage/budgets`), so the dashboard can never show numbers the API does not; the one extra
 * route here, `/v1/dashboard/latency`, serves the idealised per-model latency kept by telemetry.
 * Runtime-agnostic: the asset bytes arrive from the entry (`node-assets.ts` on Node).
 */
import type { Context } from "hono";
import type { GatewayPlugin } from "../app.js";
import type { GatewayEnv } from "../api/request-context.js";
import type { ModelLatency } from "../telemetry/otel/idealised-latency.js";
import { REFERENCE_OUTPUT_TOKENS } from "../telemetry/otel/idealised-latency.js";

/** One served file. */
export interface DashboardAsset {
  body: string;
  type: string;
}

export interface DashboardOptions {
  /** `index.html` plus the files under `/dashboard/assets/` by name. */
  assets: Record<string, DashboardAsset>;
  /** Idealised latency of one tenant's calls, or of all calls when `tenant` is undefined. */
  latency?: (tenant?: string) => ModelLatency[];
}

/** Security headers for the page: everything same-origin, no framing, no referrer leaks. */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export function dashboardPlugin(opts: DashboardOptions): GatewayPlugin {
  return {
    name: "dashboard",
    register(app) {
      const index = opts.assets["index.html"];
      if (!index) throw new Error("dashboard: index.html missing from the assets");
      const page = (c: Context<GatewayEnv>) => c.body(index.body, 200, { "content-type": index.type, "cache-control": "no-cache", ...PAGE_HEADERS });
      app.get("/dashboard", page);
      app.get("/dashboard/", page);
      app.get("/dashboard/assets/:file", (c) => {
        const file = c.req.param("file");
        // Own keys only: `constructor` or `__proto__` must not reach Object.prototype.
        const asset = Object.hasOwn(opts.assets, file) && file !== "index.html" ? opts.assets[file] : undefined;
        if (!asset) return c.notFound();
        return c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=300", ...PAGE_HEADERS });
      });
      // Behind the API-key middleware like every /v1 route: a tenant key sees only its own calls.
      app.get("/v1/dashboard/latency", (c) => {
        const identity = c.get("identity");
        const data = opts.latency?.(identity.admin ? undefined : identity.tenant) ?? [];
        return c.json({ object: "list", reference_output_tokens: REFERENCE_OUTPUT_TOKENS, data: data.map(wire) });
      });
    },
  };
}

function wire(m: ModelLatency) {
  const r = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 1000);
  return {
    model: m.model,
    calls: m.calls,
    streamed_calls: m.streamedCalls,
    ttft_ms: r(m.ttftMs),
    ms_per_output_token: r(m.msPerOutputToken),
    raw_ms_per_output_token: r(m.rawMsPerOutputToken),
    mean_latency_ms: r(m.meanLatencyMs),
    idealised_ms: r(m.idealisedMsPerReference),
    source: m.source,
  };
}
