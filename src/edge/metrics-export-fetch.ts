/**
 * Metrics from the Workers entry: the same GenAI metrics as on Node (`request-metrics.ts`), pushed
 * to `<telemetry.otlp.endpoint>/v1/metrics` as OTLP/JSON with **delta** temporality. An isolate
 * lives briefly and is one of many, so it cannot keep running totals for a scraper; each push holds
 * what its requests did since its previous push. A collector adds the isolates' deltas up (the
 * OpenTelemetry Collector's `deltatocumulative` processor, for a Prometheus back end). Every
 * isolate reports as its own `service.instance.id`.
 *
 * A push happens after a request, when `telemetry.otlp.metricsIntervalMs` has passed since the
 * last one, and is handed to that request's `waitUntil`. What an isolate counted after its last
 * push is lost when the isolate goes (at most one interval of its traffic). A failed push is
 * logged at most once a minute; its deltas are dropped, not resent, so nothing is counted twice.
 */
import { AggregationTemporality } from "@opentelemetry/sdk-metrics";
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { RequestSummary } from "../api/hooks.js";
import type { TelemetryConfig } from "../config/telemetry.js";
import { randomHex } from "../random-hex.js";
import { RequestMetrics } from "../telemetry/otel/request-metrics.js";
import { keepAlive, type WaitUntil } from "./request-context.js";

export interface EdgeMetricsExport {
  /** Counts a finished request; pushes when the interval has passed (kept alive by `ctx`). */
  add(s: RequestSummary, ctx: WaitUntil | undefined): void;
  /** Pushes what was counted since the last push. */
  flush(): Promise<void>;
}

/** Undefined when the config pushes no metrics (no collector, or `otlp.metrics: false`). */
export function edgeMetricsExport(config: TelemetryConfig, opts: { log?: (msg: string) => void; fetch?: typeof fetch } = {}): EdgeMetricsExport | undefined {
  const otlp = config.otlp;
  if (!otlp?.metrics) return undefined;
  const url = `${otlp.endpoint.replace(/\/+$/, "")}/v1/metrics`;
  const resource = resourceFromAttributes({
    "service.name": config.serviceName,
    "service.instance.id": randomHex(8),
    "telemetry.sdk.name": "opentelemetry",
    "telemetry.sdk.language": "webjs",
    "cloud.provider": "cloudflare",
    "cloud.platform": "cloudflare.workers",
  });
  const send = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let current = new RequestMetrics(AggregationTemporality.DELTA);
  let counted = 0;
  let lastPush = Date.now();
  let lastLog = 0;

  const push = async (): Promise<void> => {
    if (counted === 0) return;
    const metrics = current;
    current = new RequestMetrics(AggregationTemporality.DELTA);
    counted = 0;
    lastPush = Date.now();
    const { resourceMetrics } = await metrics.collect();
    // The collector's encoding of choice (`telemetry.otlp.protocol`), as for spans.
    const json = otlp.protocol === "http/json";
    const bytes = (json ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest({ ...resourceMetrics, resource });
    if (!bytes) return;
    const body = (json ? new TextDecoder().decode(bytes) : bytes) as BodyInit;
    try {
      const res = await send(url, { method: "POST", headers: { ...otlp.headers, "content-type": json ? "application/json" : "application/x-protobuf" }, body, signal: AbortSignal.timeout(otlp.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`answered ${res.status}`);
    } catch (err) {
      if (Date.now() - lastLog >= 60_000) {
        lastLog = Date.now();
        opts.log?.(`telemetry: metrics push to ${url} failed: ${(err as Error).message}; those deltas are dropped`);
      }
    }
  };

  return {
    add(s, ctx) {
      current.record(s);
      counted++;
      if (Date.now() - lastPush >= otlp.metricsIntervalMs) keepAlive(push(), ctx);
    },
    flush: push,
  };
}
