/**
 * Spans are written as OTLP/JSON straight from a request's summary (`span-json.ts`). They must be
 * exactly what the OpenTelemetry SDK's tracer and JSON serializer produce for the same spans, so
 * this builds both for the same requests (a success, a 5xx with a failed attempt, an embeddings
 * call without output tokens) and compares them field by field, ids aside.
 */
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { callAttributes, callSpanName, requestAttributes, requestSpanName } from "../src/telemetry/otel/genai.js";
import { startSpanExport } from "../src/telemetry/otel/span-export.js";
import { attributesJson, exportRequestJson, requestSpans, unixNanos } from "../src/telemetry/otel/span-json.js";
import { parseTraceParent } from "../src/telemetry/trace-context.js";
import type { UsageRecord } from "../src/telemetry/usage.js";

const T0 = 1_764_452_000_123;

function record(extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: "req_1", tenant: "acme", keyId: "k1", model: "small", provider: "sim", system: "openai", operation: "chat", purpose: "answer",
    inputTokens: 12, outputTokens: 16, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0.0000038, latencyMs: 20.25, ttftMs: 7, status: "ok",
    attempts: 1, streamed: false, startedAt: T0 + 2, responseModel: "small-2026", ...extra,
  };
}

function summary(extra: Partial<RequestSummary> = {}): RequestSummary {
  const records = extra.records ?? [record()];
  return {
    requestId: "req_1", tenant: "acme", keyId: "k1", endpoint: "chat", route: "auto", routeReason: "rules: code → large", router: "rules",
    routeScores: { small: 0.25, large: 0.75 }, routeThreshold: 0.5, strategy: "none", model: "small", status: 200, stream: false,
    startedAt: T0, latencyMs: 25.5, ttftMs: null, records,
    totals: { usage: { prompt_tokens: 12, completion_tokens: 16, total_tokens: 28 }, costUsd: 0.0000038, calls: records.length },
    ...extra,
  };
}

/** What the SDK exports for one summary, with the spans built as the tracer-based code built them. */
function sdkExport(s: RequestSummary, resource: ReturnType<typeof resourceFromAttributes>): unknown {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("octoroute");
  const caller = s.traceParent
    ? trace.setSpanContext(ROOT_CONTEXT, { traceId: s.traceParent.traceId, spanId: s.traceParent.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true, traceState: s.traceParent.traceState ? createTraceState(s.traceParent.traceState) : undefined })
    : ROOT_CONTEXT;
  const root = tracer.startSpan(requestSpanName(s), { kind: SpanKind.SERVER, startTime: s.startedAt, attributes: requestAttributes(s) }, caller);
  if (s.status >= 500) root.setStatus({ code: SpanStatusCode.ERROR, message: s.errorCode });
  const parent = trace.setSpan(ROOT_CONTEXT, root);
  for (const r of s.records) {
    const child = tracer.startSpan(callSpanName(r), { kind: SpanKind.CLIENT, startTime: r.startedAt, attributes: callAttributes(r) }, parent);
    if (r.status === "error") child.setStatus({ code: SpanStatusCode.ERROR, message: r.errorCode });
    child.end(r.startedAt + r.latencyMs);
  }
  root.end(s.startedAt + s.latencyMs);
  return JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans())));
}

/** Ids replaced by their order of appearance, so two exports of the same spans compare equal. */
function withoutIds(value: unknown): unknown {
  const seen = new Map<string, string>();
  return JSON.parse(JSON.stringify(value), (key, v) => {
    if ((key === "traceId" || key === "spanId" || key === "parentSpanId") && typeof v === "string") {
      if (!seen.has(v)) seen.set(v, `${key.replace("parentSpanId", "spanId")}#${seen.size}`);
      return seen.get(v);
    }
    return v;
  });
}

describe("spans as OTLP/JSON", () => {
  const resource = resourceFromAttributes({ "service.name": "octoroute", "service.version": "9.9.9" });
  const cases: Array<[string, RequestSummary]> = [
    ["a routed chat", summary()],
    [
      "a 5xx after a failed attempt and a fallback",
      summary({ status: 502, errorCode: "upstream_error", records: [record({ status: "error", errorCode: "upstream_timeout", costUsd: null, attempts: 3 }), record({ model: "large", startedAt: T0 + 30, cachedTokens: 5, cacheWriteTokens: 2 })] }),
    ],
    ["a request in its caller's trace (traceparent, tracestate)", summary({ traceParent: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true, traceState: "vendor=abc,other=1" } })],
    ["embeddings (no output tokens, no price)", summary({ endpoint: "embeddings", route: undefined, routeReason: undefined, router: undefined, routeScores: undefined, routeThreshold: undefined, totals: { usage: { prompt_tokens: 3, total_tokens: 3 } as RequestSummary["totals"]["usage"], costUsd: null, calls: 1 }, records: [record({ operation: "embeddings", outputTokens: 0, costUsd: null, ttftMs: null })] })],
  ];
  for (const [name, s] of cases) {
    it(`matches the SDK's export for ${name}`, () => {
      let n = 0;
      const ids = { traceId: s.traceParent?.traceId ?? "0af7651916cd43dd8448eb211c80319c", newSpanId: () => (++n).toString(16).padStart(16, "0") };
      const ours = JSON.parse(exportRequestJson(attributesJson(resource.attributes as Record<string, unknown>), "octoroute", requestSpans(s, ids)));
      expect(withoutIds(ours)).toEqual(withoutIds(sdkExport(s, resource)));
      // Children point at the root, all share the trace.
      const spans = ours.resourceSpans[0].scopeSpans[0].spans as Array<{ traceId: string; spanId: string; parentSpanId?: string; kind: number }>;
      const root = spans.find((x) => x.kind === 2)!;
      expect(spans.filter((x) => x.kind === 3).every((x) => x.parentSpanId === root.spanId && x.traceId === root.traceId)).toBe(true);
    });
  }

  it("writes nanoseconds exactly, beyond what a double holds", () => {
    expect(unixNanos(T0)).toBe(`${T0}000000`);
    expect(unixNanos(T0 + 0.5)).toBe(`${T0}500000`);
    expect(unixNanos(1.000001)).toBe("1000001"); // 1 ms + 1 ns
  });
});

describe("span export queue", () => {
  it("drops spans beyond its queue, counts them and says so once", async () => {
    const logged: string[] = [];
    const spans = startSpanExport({ url: "http://127.0.0.1:9/v1/traces", timeoutMs: 200, ratio: 1, resource: resourceFromAttributes({ "service.name": "t" }), maxQueueSpans: 4, scheduledDelayMs: 60_000, log: (m) => logged.push(m) });
    for (let i = 0; i < 4; i++) spans.add(summary()); // 2 spans each: the third and fourth do not fit
    expect(spans.dropped).toBe(4);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain("span queue full");
    await spans.shutdown();
  });
});

describe("traceparent", () => {
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const span = "00f067aa0ba902b7";
  it("parses a valid header with its sampled flag and tracestate", () => {
    expect(parseTraceParent(`00-${id}-${span}-01`, " a=1,b=2 ")).toEqual({ traceId: id, spanId: span, sampled: true, traceState: "a=1,b=2" });
    expect(parseTraceParent(`00-${id}-${span}-00`)).toEqual({ traceId: id, spanId: span, sampled: false });
    // A later version is read by its first four fields.
    expect(parseTraceParent(`01-${id}-${span}-03-extra`)).toMatchObject({ traceId: id, sampled: true });
  });
  it("ignores what the specification says to ignore", () => {
    for (const bad of [undefined, "", "garbage", `ff-${id}-${span}-01`, `00-${"0".repeat(32)}-${span}-01`, `00-${id}-${"0".repeat(16)}-01`, `00-${id.toUpperCase()}-${span}-01`, `00-${id}-${span}-01-extra`, `00-${id}-${span}`]) {
      expect(parseTraceParent(bad)).toBeUndefined();
    }
    expect(parseTraceParent(`00-${id}-${span}-01`, "x".repeat(600))).toEqual({ traceId: id, spanId: span, sampled: true });
  });
});
