/**
 * The one place the OpenTelemetry SDK is wired (Node only): spans exported over OTLP/HTTP through
 * the SDK's export delegate (`span-export.ts`), a meter provider read by Prometheus (`/metrics`) and optionally pushed over OTLP/HTTP
 * (the per-request metrics come from `request-metrics.ts`, a MetricProducer; the budget gauge is
 * an SDK instrument), and the `onRequestEnd` hook that turns each finished request into one span
 * per client request, one child span per upstream call, and metric points. Attribute shapes come
 * from `genai.ts`.
 *
 * Everything happens after the response is done, from the request summary: spans get the real
 * start times carried by the records, and the hot path pays nothing until the request has ended.
 * Providers are private to the gateway (not registered globally), so two gateways in one process
 * (tests) never share counters.
 */
import { drainAfterResponse } from "../../api/after-response.js";
import type { Attributes as OtelAttributes } from "@opentelemetry/api";
import type { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { defaultResource, type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { IMetricReader, MeterProvider } from "@opentelemetry/sdk-metrics";
import type { GatewayHooks, RequestSummary } from "../../api/hooks.js";
import { type TelemetryConfig, telemetrySchema } from "../../config/telemetry.js";
import { METRICS } from "./genai.js";
import { type ModelLatency, TenantLatency } from "./idealised-latency.js";
import { RequestMetrics } from "./request-metrics.js";
import type { SpanExport } from "./span-export.js";

/** Remaining budget of one tenant (or key) over one period, for the `budget remaining` gauge. */
export interface BudgetRemaining {
  tenant: string;
  keyId?: string;
  period: "day" | "month";
  remainingUsd: number;
}

export interface TelemetryOptions {
  /** Reads the budgets' remaining USD when metrics are collected (from the budget store). */
  budgetRemaining?: () => Iterable<BudgetRemaining> | Promise<Iterable<BudgetRemaining>>;
  /** Gateway version for the exported resource. */
  serviceVersion?: string;
  /** Where failed exports are reported (at most once a minute per signal); silent when omitted. */
  log?: (msg: string) => void;
  /**
   * Which signals this instance produces (default both). The Node entry keeps metrics on the
   * request thread (cheap: `request-metrics.ts`) and builds and exports spans on the background
   * thread (`span-thread.ts`).
   */
  signals?: { metrics: boolean; traces: boolean };
}

/** What the Node entry holds: the hook to compose, the Prometheus text, the latency profile. */
export interface GatewayTelemetry {
  readonly config: TelemetryConfig;
  readonly hooks: Required<Pick<GatewayHooks, "onRequestEnd">>;
  /** Current metrics in Prometheus text exposition format. */
  renderPrometheus(): Promise<string>;
  /** Idealised per-model latency since start, of one tenant's calls or (no tenant) of all calls. */
  latency(tenant?: string): ModelLatency[];
  /** Pushes buffered spans and metrics now. */
  flush(): Promise<void>;
  /** Flushes and stops the exporters. */
  shutdown(): Promise<void>;
}

/** Builds the telemetry of one gateway from the `telemetry:` config section (defaults when absent). */
export async function startTelemetry(cfg: TelemetryConfig | undefined, opts: TelemetryOptions = {}): Promise<GatewayTelemetry> {
  const config = cfg ?? telemetrySchema.parse({});
  const resource = resourceFromAttributes({
    "service.name": config.serviceName,
    ...(opts.serviceVersion ? { "service.version": opts.serviceVersion } : {}),
  });
  const otlp = config.otlp;
  const base = otlp?.endpoint.replace(/\/+$/, "");

  // Traces: only when a collector is configured (nothing at all otherwise: zero cost). Spans are
  // written as OTLP/JSON from the summary and sent through the SDK's OTLP/HTTP export delegate
  // (`span-export.ts`); the resource is the SDK's default merged with ours, as a tracer provider's.
  let spans: SpanExport | undefined;
  const signals = opts.signals ?? { metrics: true, traces: true };
  if (signals.traces && otlp?.traces && config.sampling.ratio > 0) {
    // OTLP exporters are loaded only when a collector is configured (they weigh megabytes).
    const { startSpanExport } = await import("./span-export.js");
    spans = startSpanExport({ url: `${base}/v1/traces`, headers: otlp.headers, timeoutMs: otlp.timeoutMs, protocol: otlp.protocol, ratio: config.sampling.ratio, resource: defaultResource().merge(resource), log: opts.log });
    reportFailures(spans.exporter, "span", opts.log);
  }

  // Metrics: Prometheus pulls, OTLP pushes; both read the request metrics (a MetricProducer) and
  // the SDK's own instruments (the budget gauge). An instance without metrics (the background
  // thread's, which only exports spans) loads none of the metrics SDK.
  const metrics = signals.metrics ? await startMetrics(config, resource, opts) : undefined;
  const latency = new TenantLatency();

  const handle = (s: RequestSummary): void => {
    if (metrics) {
      if (metrics.exported) metrics.requestMetrics.record(s);
      latency.add(s.records, s.tenant);
    }
    spans?.add(s);
  };
  // `onRequestEnd` runs before a buffered response is sent; the work is queued and done right
  // after (setImmediate), so it costs the client no latency. Reads and flushes drain it first.
  let queue: RequestSummary[] = [];
  let scheduled = false;
  const drain = (): void => {
    drainAfterResponse();
    scheduled = false;
    const batch = queue;
    queue = [];
    for (const s of batch) {
      try {
        handle(s);
      } catch {
        /* telemetry must never take the gateway down */
      }
    }
  };
  const onRequestEnd = (s: RequestSummary): void => {
    queue.push(s);
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  };

  return {
    config,
    hooks: { onRequestEnd },
    latency: (tenant) => (drain(), latency.snapshot(tenant)),
    async renderPrometheus() {
      if (!metrics?.prometheus) return "";
      drain();
      return metrics.renderPrometheus();
    },
    async flush() {
      drain();
      await Promise.all([spans?.forceFlush(), metrics?.meterProvider.forceFlush()]);
    },
    async shutdown() {
      drain();
      await Promise.allSettled([spans?.shutdown(), metrics?.meterProvider.shutdown()]);
    },
  };
}

interface Metrics {
  requestMetrics: RequestMetrics;
  /** Whether any reader (Prometheus, OTLP) collects the request metrics; else they are not kept. */
  exported: boolean;
  meterProvider: MeterProvider;
  prometheus?: PrometheusExporter;
  renderPrometheus(): Promise<string>;
}

/**
 * The metrics half: a meter provider read by Prometheus (when enabled) and pushed over OTLP (when
 * an endpoint with metrics is configured). Readers only start collecting when they exist: with
 * neither, request metrics are not kept (the dashboard's latency profile still is).
 */
async function startMetrics(config: TelemetryConfig, resource: Resource, opts: TelemetryOptions): Promise<Metrics> {
  const [{ PrometheusExporter, PrometheusSerializer }, { MeterProvider, PeriodicExportingMetricReader }] = await Promise.all([
    import("@opentelemetry/exporter-prometheus"),
    import("@opentelemetry/sdk-metrics"),
  ]);
  const otlp = config.otlp;
  const requestMetrics = new RequestMetrics();
  const metricProducers = [requestMetrics];
  const readers: IMetricReader[] = [];
  const prometheus = config.prometheus.enabled ? new PrometheusExporter({ preventServerStart: true, metricProducers }) : undefined;
  if (prometheus) readers.push(prometheus);
  if (otlp?.metrics) {
    // The collector's encoding of choice (`telemetry.otlp.protocol`), as for spans.
    const { OTLPMetricExporter } = otlp.protocol === "http/json" ? await import("@opentelemetry/exporter-metrics-otlp-http") : await import("@opentelemetry/exporter-metrics-otlp-proto");
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: reportFailures(new OTLPMetricExporter({ url: `${otlp.endpoint.replace(/\/+$/, "")}/v1/metrics`, headers: otlp.headers, timeoutMillis: otlp.timeoutMs }), "metric", opts.log),
        exportIntervalMillis: otlp.metricsIntervalMs,
        exportTimeoutMillis: Math.min(otlp.timeoutMs, otlp.metricsIntervalMs),
        metricProducers,
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const meter = meterProvider.getMeter("octoroute");
  if (opts.budgetRemaining && readers.length) {
    const read = opts.budgetRemaining;
    meter
      .createObservableGauge(METRICS.budgetRemaining, { unit: "USD", description: "Budget left in the current period, per tenant (and key)." })
      .addCallback(async (result) => {
        for (const b of await read()) {
          const attrs: OtelAttributes = { "octoroute.tenant": b.tenant, "octoroute.budget.period": b.period };
          if (b.keyId) attrs["octoroute.key_id"] = b.keyId;
          result.observe(b.remainingUsd, attrs);
        }
      });
  }
  const serializer = new PrometheusSerializer("", false, undefined, false, true);
  return {
    requestMetrics,
    exported: readers.length > 0,
    meterProvider,
    prometheus,
    async renderPrometheus() {
      if (!prometheus) return "";
      const { resourceMetrics } = await prometheus.collect();
      return serializer.serialize(resourceMetrics);
    },
  };
}

/**
 * The SDK drops a batch it cannot export without a word (its diagnostics are off unless a global
 * logger is set); this says so in the gateway's log, at most once a minute. The message is the
 * exporter's error (e.g. `connect ECONNREFUSED ...`), never the configured headers.
 */
function reportFailures<T extends { export(items: never, done: (r: { code: number; error?: Error }) => void): void }>(exporter: T, signal: string, log?: (msg: string) => void): T {
  if (!log) return exporter;
  const original = exporter.export.bind(exporter) as (items: unknown, done: (r: { code: number; error?: Error }) => void) => void;
  let last = 0;
  (exporter as unknown as { export: typeof original }).export = (items, done) =>
    original(items, (result) => {
      if (result.code !== 0 && Date.now() - last >= 60_000) {
        last = Date.now();
        log(`telemetry: ${signal} export to the OTLP endpoint failed, batch dropped: ${result.error?.message ?? "unknown error"}`);
      }
      done(result);
    });
  return exporter;
}

