/**
 * Span export for the Node entry: finished requests → sampled → OTLP/JSON spans (`span-json.ts`)
 * → batches → the OpenTelemetry SDK's OTLP/HTTP export delegate (its HTTP transport, retries with
 * backoff on 429/502/503/504, timeouts, concurrency limit, partial-success handling). Only the span
 * objects and their encoding are ours; the SDK's tracer would build both per span, which measured
 * as the largest share of what tracing every request costs.
 *
 * Batching follows the SDK's BatchSpanProcessor defaults as configured before: a batch every
 * second or every 512 spans, at most 8,192 spans waiting (more are dropped and counted).
 */
import { OTLPExporterBase } from "@opentelemetry/otlp-exporter-base";
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from "@opentelemetry/otlp-exporter-base/node-http";
import type { Resource } from "@opentelemetry/resources";
import type { RequestSummary } from "../../api/hooks.js";
import { jsonSpans, type SpanEncoding } from "./span-json.js";
import { protobufSpans } from "./span-proto.js";
import { spanSampler } from "./span-sampling.js";
import { TransientMap } from "../../transient-map.js";

/** A span as its encoding wrote it (JSON text or protobuf bytes). */
type EncodedSpan = string | Uint8Array;

/** The span encoding of an OTLP/HTTP protocol. */
export function spanEncoding(protocol: "http/protobuf" | "http/json"): SpanEncoding<EncodedSpan> {
  return (protocol === "http/json" ? jsonSpans : protobufSpans) as SpanEncoding<EncodedSpan>;
}

export interface SpanExportOptions {
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** OTLP/HTTP encoding (default `http/protobuf`). */
  protocol?: "http/protobuf" | "http/json";
  /** Share of requests traced (by trace id, as the SDK's TraceIdRatioBasedSampler decides). */
  ratio: number;
  resource: Resource;
  scheduledDelayMs?: number;
  maxBatchSpans?: number;
  maxQueueSpans?: number;
  /** Told (at most once a minute) when spans are dropped because the queue is full. */
  log?: (msg: string) => void;
}

export interface SpanExport {
  add(s: RequestSummary): void;
  /** Exports what is queued and waits for every export in flight. */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** Spans dropped because the queue was full (the collector is slower than the traffic). */
  readonly dropped: number;
  /** The SDK exporter, for failure reporting. */
  readonly exporter: OTLPExporterBase<EncodedSpan[]>;
}

export function startSpanExport(opts: SpanExportOptions): SpanExport {
  const encoding = spanEncoding(opts.protocol ?? "http/protobuf");
  const resourceAttributes = opts.resource.attributes as Record<string, unknown>;
  const serializer = {
    serializeRequest: (spans: EncodedSpan[]) => {
      const body = encoding.request(resourceAttributes, "octoroute", spans);
      // Buffer's UTF-8 encoder: measured at a third of TextEncoder's time for JSON payloads.
      return typeof body === "string" ? Buffer.from(body, "utf8") : body;
    },
    deserializeResponse: (bytes: Uint8Array) => {
      try {
        return bytes.length ? JSON.parse(new TextDecoder().decode(bytes)) : {};
      } catch {
        return {};
      }
    },
  };
  const delegate = createOtlpHttpExportDelegate(
    convertLegacyHttpOptions({ url: opts.url, headers: opts.headers, timeoutMillis: opts.timeoutMs }, "TRACES", "v1/traces", { "Content-Type": encoding.contentType }),
    serializer,
    "otlp_http_span_exporter",
    { name: "span", countItems: (spans: EncodedSpan[]) => spans.length },
    undefined,
  );
  const exporter = new OTLPExporterBase<EncodedSpan[]>(delegate);
  const sample = spanSampler(opts.ratio, encoding);
  const delayMs = opts.scheduledDelayMs ?? 1000;
  const maxBatch = opts.maxBatchSpans ?? 512;
  const maxQueue = opts.maxQueueSpans ?? 8192;

  let queue: EncodedSpan[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Exports in flight by number (a TransientMap: see why there).
  const inFlight = new TransientMap<number, Promise<void>>();
  let exports = 0;
  let dropped = 0;
  let lastDropLog = 0;
  let stopped = false;

  const exportBatch = (batch: EncodedSpan[]): void => {
    const done = new Promise<void>((resolve) => exporter.export(batch, () => resolve()));
    const n = ++exports;
    inFlight.set(n, done);
    void done.then(() => inFlight.delete(n));
  };
  const sendQueued = (): void => {
    clearTimeout(timer);
    timer = undefined;
    while (queue.length) exportBatch(queue.splice(0, maxBatch));
  };

  return {
    add(s) {
      if (stopped) return;
      const spans = sample(s);
      if (!spans) return;
      if (queue.length + spans.length > maxQueue) {
        dropped += spans.length;
        if (opts.log && Date.now() - lastDropLog >= 60_000) {
          lastDropLog = Date.now();
          opts.log(`telemetry: span queue full (${maxQueue} spans), ${dropped} spans dropped so far: the collector takes them slower than they come; lower telemetry.sampling.ratio or check the collector`);
        }
        return;
      }
      for (const span of spans) queue.push(span);
      if (queue.length >= maxBatch) sendQueued();
      else if (!timer) {
        timer = setTimeout(sendQueued, delayMs);
        (timer as { unref?: () => void }).unref?.();
      }
    },
    async forceFlush() {
      sendQueued();
      await Promise.all(inFlight.values());
      await exporter.forceFlush();
    },
    async shutdown() {
      if (stopped) return;
      await this.forceFlush();
      stopped = true;
      await exporter.shutdown();
    },
    get dropped() {
      return dropped;
    },
    exporter,
  };
}
