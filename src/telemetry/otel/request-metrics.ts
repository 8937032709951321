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
import type { UsageRecord } from "../usage.js";
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

  /** The series of one attribute set, made on first use. */
  seriesOf(key: string, attributes: Attributes): HistogramSeries {
    let s = this.series.get(key);
    if (!s) {
      s = { attributes, counts: new Array<number>(this.boundaries.length + 1).fill(0), sum: 0, count: 0, min: Infinity, max: -Infinity };
      this.series.set(key, s);
    }
    return s;
  }

  observe(s: HistogramSeries, value: number): void {
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

interface CounterSeries {
  attributes: Attributes;
  value: number;
}

/** A monotonic sum (a counter) per attribute set. */
class CounterData {
  private readonly series = new Map<string, CounterSeries>();
  constructor(
    readonly descriptor: Descriptor,
    private readonly temporality: AggregationTemporality,
  ) {}

  /** The series of one attribute set, made on first use. */
  seriesOf(key: string, attributes: Attributes): CounterSeries {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { attributes, value: 0 }));
    return s;
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

/** How many attribute sets of each kind are compared field by field before a keyed lookup. */
const RECENT = 8;

/** Puts `e` first among the recent entries (keeping at most RECENT). */
function remember<T>(recent: T[], e: T): void {
  const at = recent.indexOf(e);
  if (at >= 0) recent.splice(at, 1);
  recent.unshift(e);
  if (recent.length > RECENT) recent.pop();
}

/** One call attribute set: the fields it is made of, and its series in every call metric. */
interface CallEntry {
  model: string;
  tenant: string;
  purpose: string;
  operation: string;
  system: string;
  errorType: string | undefined;
  key: string;
  attrs: Attributes;
  input: HistogramSeries;
  output: HistogramSeries;
  duration: HistogramSeries;
  ttfc?: HistogramSeries;
  perChunk?: HistogramSeries;
  cost?: CounterSeries;
  unpriced?: CounterSeries;
  usageEstimated?: CounterSeries;
}

/** One request attribute set and its series. */
interface RequestEntry {
  tenant: string;
  endpoint: string;
  strategy: string;
  route: string | undefined;
  status: number;
  model: string | undefined;
  errorCode: string | undefined;
  requests: CounterSeries;
  duration: HistogramSeries;
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
  private readonly callEntries = new Map<string, CallEntry>();
  private readonly requestEntries = new Map<string, RequestEntry>();
  private readonly recentCalls: CallEntry[] = [];
  private readonly recentRequests: RequestEntry[] = [];

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
      const e = this.callEntry(r);
      this.tokens.observe(e.input, r.inputTokens);
      this.tokens.observe(e.output, r.outputTokens);
      this.duration.observe(e.duration, r.latencyMs / 1000);
      if (r.streamed && r.ttftMs !== null && r.status === "ok") this.ttfc.observe((e.ttfc ??= this.ttfc.seriesOf(e.key, e.attrs)), r.ttftMs / 1000);
      const perToken = secondsPerOutputToken(r);
      if (perToken !== null) this.perChunk.observe((e.perChunk ??= this.perChunk.seriesOf(e.key, e.attrs)), perToken);
      if (r.costUsd !== null) (e.cost ??= this.cost.seriesOf(e.key, e.attrs)).value += r.costUsd;
      else if (r.inputTokens + r.outputTokens > 0) (e.unpriced ??= this.unpriced.seriesOf(e.key, e.attrs)).value += 1;
      if (r.usageEstimated) (e.usageEstimated ??= this.usageEstimated.seriesOf(e.key, e.attrs)).value += 1;
    }
    const e = this.requestEntry(s);
    e.requests.value += 1;
    this.requestDuration.observe(e.duration, s.latencyMs / 1000);
  }

  /**
   * The series of a call's attribute set. Traffic repeats a few sets (tenant × model × purpose),
   * so the last ones used are found by comparing the record's fields, without building the
   * attributes and their key; a set not among them is looked up by key (and remembered).
   */
  private callEntry(r: UsageRecord): CallEntry {
    const errorType = r.status === "ok" ? undefined : (r.errorCode ?? r.status);
    for (const e of this.recentCalls) {
      if (e.model === r.model && e.tenant === r.tenant && e.purpose === r.purpose && e.operation === r.operation && e.system === r.system && e.errorType === errorType) return e;
    }
    const attrs = callMetricAttributes(r);
    const key = keyOf(attrs);
    let e = this.callEntries.get(key);
    if (!e) {
      e = {
        model: r.model,
        tenant: r.tenant,
        purpose: r.purpose,
        operation: r.operation,
        system: r.system,
        errorType,
        key,
        attrs,
        input: this.tokens.seriesOf(`${key}i`, { ...attrs, "gen_ai.token.type": "input" }),
        output: this.tokens.seriesOf(`${key}o`, { ...attrs, "gen_ai.token.type": "output" }),
        duration: this.duration.seriesOf(key, attrs),
      };
      this.callEntries.set(key, e);
    }
    remember(this.recentCalls, e);
    return e;
  }

  private requestEntry(s: RequestSummary): RequestEntry {
    for (const e of this.recentRequests) {
      if (e.tenant === s.tenant && e.endpoint === s.endpoint && e.strategy === s.strategy && e.route === s.route && e.status === s.status && e.model === s.model && e.errorCode === s.errorCode) return e;
    }
    const attrs = requestMetricAttributes(s);
    const key = keyOf(attrs);
    let e = this.requestEntries.get(key);
    if (!e) {
      e = { tenant: s.tenant, endpoint: s.endpoint, strategy: s.strategy, route: s.route, status: s.status, model: s.model, errorCode: s.errorCode, requests: this.requests.seriesOf(key, attrs), duration: this.requestDuration.seriesOf(key, attrs) };
      this.requestEntries.set(key, e);
    }
    remember(this.recentRequests, e);
    return e;
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
