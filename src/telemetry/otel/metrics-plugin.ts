/**
 * `GET /metrics` on the gateway's own listener, for Prometheus. Metrics name every tenant and what
 * it spent, so they are an admin view: the global auth middleware has already resolved the key,
 * and only an admin key is let through. (A separate, keyless listener is `prometheus-server.ts`.)
 * Runtime-agnostic: the text comes from a render function the entry injects.
 */
import type { GatewayPlugin } from "../../app.js";
import { GatewayError } from "../../api/errors.js";

/** Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** The `/metrics` route, admin key required. */
export function metricsPlugin(render: () => Promise<string>, path = "/metrics"): GatewayPlugin {
  return {
    name: "metrics",
    register(app) {
      app.get(path, async (c) => {
        if (!c.get("identity").admin) {
          throw new GatewayError("Metrics cover every tenant; use an admin key.", { status: 403, code: "admin_key_required" });
        }
        return c.body(await render(), 200, { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" });
      });
    },
  };
}
