/**
 * Telemetry for the Node entry in one call: the SDK (`node-sdk.ts`), `/metrics` either as a gateway
 * route (admin key) or on its own listener (config `telemetry.prometheus.bind`), and one `close()`
 * that flushes spans and metrics on graceful shutdown. Keeps `node.ts` to a few lines.
 */
import type { GatewayPlugin } from "../../app.js";
import type { TelemetryConfig } from "../../config/telemetry.js";
import { metricsPlugin } from "./metrics-plugin.js";
import { type GatewayTelemetry, startTelemetry, type TelemetryOptions } from "./node-sdk.js";
import { type PrometheusServer, startPrometheusServer } from "./prometheus-server.js";

export interface NodeTelemetry {
  telemetry: GatewayTelemetry;
  /** Routes to mount on the gateway (`/metrics` unless it has its own listener). */
  plugins: GatewayPlugin[];
  /** URL of the separate metrics listener, when configured. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export async function startNodeTelemetry(cfg: TelemetryConfig | undefined, opts: TelemetryOptions = {}): Promise<NodeTelemetry> {
  const telemetry = startTelemetry(cfg, opts);
  const prom = telemetry.config.prometheus;
  const render = () => telemetry.renderPrometheus();
  let server: PrometheusServer | undefined;
  const plugins: GatewayPlugin[] = [];
  if (prom.enabled && prom.bind) server = await startPrometheusServer(render, prom.bind.host, prom.bind.port);
  else if (prom.enabled) plugins.push(metricsPlugin(render));
  return {
    telemetry,
    plugins,
    metricsUrl: server ? `${server.url}/metrics` : undefined,
    async close() {
      await server?.close();
      await telemetry.shutdown();
    },
  };
}
