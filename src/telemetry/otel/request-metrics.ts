/**
 * The per-request GenAI metrics, aggregated here and handed to the OpenTelemetry SDK as a
 * `MetricProducer` (the SDK's extension point for metrics aggregated outside its instruments):
 * the Prometheus exporter and the OTLP metric reader read them like any SDK instrument's.
 *
 * Why not SDK instruments: every `record()`/`add()` on them hashes its attribute set (sorting and
 * serialising the keys), ~2 µs each and six or more per request, on the thread that serves
 * requests. Here a request costs one string key per attribute set and a few additions; the
 * attribute objects and bucket arrays are built once per series. Semantics are the SDK's own:
 * cumulative temporality, explicit-bucket histograms (upper bounds inclusive) with sum, count,
 * min and max, monotonic sums for counters.
 */
import { type Attributes, type HrTime, ValueType } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type MetricData,
  type MetricProducer,
} from "@opentelemetry/sdk-metrics";
import { emptyResource } from "@opentelemetry/resources";
import type { RequestSummary } from "../../api/hooks.js";
import {
  type Attributes as GenAiAttributes,
  callMetricAttributes,
  DURATION_BUCKETS_S,
  METRICS,
  PER_TOKEN_BUCKETS_S,
  requestMetricAttributes,
  secondsPerOutputToken,
  TOKEN_BUCKETS,
} from "./genai.js";

interface Descriptor {
  name: string;
  description: string;
  unit: string;
}

interface HistogramSeries {
  attributes: Attributes;
  counts: number[];
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** An explicit-bucket histogram per attribute set. */
class HistogramData {
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly descriptor: Descriptor,
    private readonly boundaries: number[],
    private readonly temporality: AggregationTemporality,
  ) {}

  record(value: number, key: string, attributes: () => Attributes): void {
    let s = this.series.get(key);
    if (!s) {
      s = { attributes: attributes(), counts: new Array<number>(this.boundaries.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
      this.series.set(key, s);
    }
    // Upper bounds are inclusive, as in the SDK's explicit-bucket aggregation.
    let i = 0;
    while (i < this.boundaries.length && value > this.boundaries[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
    if (value < s.min) s.min = value;
    if (value > s.max) s.max = value;
  }

  data(startTime: HrTime, endTime: HrTime): MetricData {
    return {
      descriptor: { ...this.descriptor, valueType: ValueType.DOUBLE },
      aggregationTemporality: this.temporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [...this.series.values()].map((s) => ({
        startTime,
        endTime,
        attributes: s.attributes,
        value: { buckets: { boundaries: this.boundaries, counts: [...s.counts] }, sum: s.sum, count: s.count, min: s.min, max: s.max },
      })),
    };
  }
}

/** A monotonic sum (a counter) per attribute set. */
class CounterData {
  private readonly series = new Map<string, { attributes: Attributes; value: number }>();
  constructor(
    readonly descriptor: Descriptor,
    private readonly temporality: AggregationTemporality,
  ) {}

  add(value: number, key: string, attributes: () => Attributes): void {
    const s = this.series.get(key);
    if (s) s.value += value;
    else this.series.set(key, { attributes: attributes(), value });
  }

  data(startTime: HrTime, endTime: HrTime): MetricData {
    return {
      descriptor: { ...this.descriptor, valueType: ValueType.DOUBLE },
      aggregationTemporality: this.temporality,
      dataPointType: DataPointType.SUM,
      isMonotonic: true,
      dataPoints: [...this.series.values()].map((s) => ({ startTime, endTime, attributes: s.attributes, value: s.value })),
    };
  }
}

/** The series key of an attribute set: its values in the set's (fixed) key order. */
function keyOf(attrs: GenAiAttributes): string {
  let key = "";
  for (const k in attrs) key += `${k}\u0000${attrs[k]}\u0001`;
  return key;
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

export class RequestMetrics implements MetricProducer {
  private readonly startTime = hrTime(Date.now());
  private readonly tokens: HistogramData;
  private readonly duration: HistogramData;
  private readonly ttfc: HistogramData;
  private readonly perChunk: HistogramData;
  private readonly cost: CounterData;
  private readonly unpriced: CounterData;
  private readonly usageEstimated: CounterData;
  private readonly requests: CounterData;
  private readonly requestDuration: HistogramData;

  /**
   * `CUMULATIVE` (default, a long-lived process: Prometheus and OTLP read running totals) or
   * `DELTA` (a Workers isolate: each push holds what happened since this instance was made, and
   * the collector adds up the isolates).
   */
  constructor(private readonly temporality: AggregationTemporality = AggregationTemporality.CUMULATIVE) {
    this.tokens = new HistogramData({ name: METRICS.tokenUsage, unit: "{token}", description: "Tokens per upstream call, by gen_ai.token.type (input/output)." }, TOKEN_BUCKETS, this.temporality);
    this.duration = new HistogramData({ name: METRICS.operationDuration, unit: "s", description: "Duration of upstream model calls." }, DURATION_BUCKETS_S, this.temporality);
    this.ttfc = new HistogramData({ name: METRICS.timeToFirstChunk, unit: "s", description: "Time to the first streamed chunk of upstream calls." }, DURATION_BUCKETS_S, this.temporality);
    this.perChunk = new HistogramData({ name: METRICS.timePerOutputChunk, unit: "s", description: "Decode time per output token after the first (streamed calls)." }, PER_TOKEN_BUCKETS_S, this.temporality);
    this.cost = new CounterData({ name: METRICS.cost, unit: "USD", description: "Cost of upstream calls at catalog prices." }, this.temporality);
    this.unpriced = new CounterData({ name: METRICS.unpricedCalls, unit: "", description: "Upstream calls whose model has no known price (cost unknown, not 0)." }, this.temporality);
    this.usageEstimated = new CounterData({ name: METRICS.usageEstimatedCalls, unit: "", description: "Upstream calls whose upstream reported no usage: their tokens and cost are the gateway's estimate." }, this.temporality);
    this.requests = new CounterData({ name: METRICS.requests, unit: "", description: "Client requests by tenant, route, strategy and status." }, this.temporality);
    this.requestDuration = new HistogramData({ name: METRICS.requestDuration, unit: "s", description: "Duration of client requests through the gateway." }, DURATION_BUCKETS_S, this.temporality);
  }

  /** Counts one finished client request and its upstream calls. */
  record(s: RequestSummary): void {
    for (const r of s.records) {
      const attrs = callMetricAttributes(r);
      const key = keyOf(attrs);
      this.tokens.record(r.inputTokens, `${key}i`, () => ({ ...attrs, "gen_ai.token.type": "input" }));
      this.tokens.record(r.outputTokens, `${key}o`, () => ({ ...attrs, "gen_ai.token.type": "output" }));
      const same = () => attrs;
      this.duration.record(r.latencyMs / 1000, key, same);
      if (r.streamed && r.ttftMs !== null && r.status === "ok") this.ttfc.record(r.ttftMs / 1000, key, same);
      const perToken = secondsPerOutputToken(r);
      if (perToken !== null) this.perChunk.record(perToken, key, same);
      if (r.costUsd !== null) this.cost.add(r.costUsd, key, same);
      else if (r.inputTokens + r.outputTokens > 0) this.unpriced.add(1, key, same);
      if (r.usageEstimated) this.usageEstimated.add(1, key, same);
    }
    const attrs = requestMetricAttributes(s);
    const key = keyOf(attrs);
    this.requests.add(1, key, () => attrs);
    this.requestDuration.record(s.latencyMs / 1000, key, () => attrs);
  }

  async collect(): Promise<CollectionResult> {
    const end = hrTime(Date.now());
    const all = [this.tokens, this.duration, this.ttfc, this.perChunk, this.cost, this.unpriced, this.usageEstimated, this.requests, this.requestDuration];
    return {
      // The reader keeps the SDK's resource and takes only the scope metrics from a producer.
      // Instruments nothing was recorded on yet are left out, as the SDK leaves its own out.
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: { name: "octoroute" }, metrics: all.map((m) => m.data(this.startTime, end)).filter((m) => m.dataPoints.length > 0) }] },
      errors: [],
    };
  }
}
