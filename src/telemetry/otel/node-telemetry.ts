/**
 * Telemetry for the Node entry in one call: the SDK (`node-sdk.ts`), `/metrics` either as a gateway
 * route (admin key) or on its own listener (config `telemetry.prometheus.bind`), and one `close()`
 * that flushes spans and metrics on graceful shutdown. Keeps `node.ts` to a few lines.
 */
import type { GatewayPlugin } from "../../app.js";
import type { TelemetryConfig } from "../../config/telemetry.js";
import { metricsPlugin } from "./metrics-plugin.js";
import { type TelemetryConfig as Config, telemetrySchema } from "../../config/telemetry.js";
import type { RequestSummary } from "../../api/hooks.js";
import { TenantLatency } from "./idealised-latency.js";
import type { GatewayTelemetry, TelemetryOptions } from "./node-sdk.js";
import { startThreadedTelemetry } from "./telemetry-thread.js";
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
  const config = cfg ?? telemetrySchema.parse({});
  // With nothing to export (no /metrics, no collector) there is no SDK and no thread at all.
  const exporting = config.prometheus.enabled || (config.otlp !== undefined && (config.otlp.traces || config.otlp.metrics));
  const telemetry = exporting ? startThreadedTelemetry(config, opts) : latencyOnly(config);
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

/** Telemetry that only keeps the idealised latency profile (for the dashboard). */
function latencyOnly(config: Config): GatewayTelemetry {
  const latency = new TenantLatency();
  return {
    config,
    hooks: { onRequestEnd: (s: RequestSummary) => latency.add(s.records, s.tenant) },
    latency: (tenant) => latency.snapshot(tenant),
    renderPrometheus: async () => "",
    flush: async () => {},
    shutdown: async () => {},
  };
}
