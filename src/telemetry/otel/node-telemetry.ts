/**
 * Telemetry for the Node entry in one call: metrics and the idealised latency profile on the
 * request thread (`node-sdk.ts` with `request-metrics.ts`: a few additions per request), spans
 * built and exported over OTLP on the background thread (`span-thread.ts`) when a collector
 * takes traces, `/metrics` either as a gateway route (admin key) or on its own listener (config
 * `telemetry.prometheus.bind`), and one `close()` that flushes spans and metrics on graceful
 * shutdown. Keeps `node.ts` to a few lines.
 */
import type { GatewayPlugin } from "../../app.js";
import { type TelemetryConfig, telemetrySchema } from "../../config/telemetry.js";
import { metricsPlugin } from "./metrics-plugin.js";
import { type GatewayTelemetry, startTelemetry, type TelemetryOptions } from "./node-sdk.js";
import { type PrometheusServer, startPrometheusServer } from "./prometheus-server.js";
import { startSpanThread, type SummaryFeed } from "./span-thread.js";

export interface NodeTelemetry {
  telemetry: GatewayTelemetry;
  /** Routes to mount on the gateway (`/metrics` unless it has its own listener). */
  plugins: GatewayPlugin[];
  /** URL of the separate metrics listener, when configured. */
  metricsUrl?: string;
  close(): Promise<void>;
}

export async function startNodeTelemetry(cfg: TelemetryConfig | undefined, opts: TelemetryOptions & { feed?: SummaryFeed } = {}): Promise<NodeTelemetry> {
  const config = cfg ?? telemetrySchema.parse({});
  const { feed, ...rest } = opts;
  const local = await startTelemetry(config, { ...rest, signals: { metrics: true, traces: false } });
  const spans = config.otlp?.traces && config.sampling.ratio > 0 ? startSpanThread(config, rest, feed) : undefined;
  const telemetry: GatewayTelemetry = spans
    ? {
        config,
        hooks: {
          onRequestEnd(s) {
            local.hooks.onRequestEnd(s);
            spans.onRequestEnd(s);
          },
        },
        latency: local.latency,
        renderPrometheus: local.renderPrometheus,
        flush: async () => void (await Promise.all([local.flush(), spans.flush()])),
        shutdown: async () => void (await Promise.allSettled([local.shutdown(), spans.shutdown()])),
      }
    : local;
  const prom = config.prometheus;
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
