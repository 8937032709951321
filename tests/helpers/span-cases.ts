/**
 * Requests whose spans the span tests build both ways — written by `span-json.ts`/`span-proto.ts`
 * and by the OpenTelemetry SDK's tracer — to compare the two exports field by field, ids aside.
 */
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { RequestSummary } from "../../src/api/hooks.js";
import { callAttributes, callSpanName, requestAttributes, requestSpanName } from "../../src/telemetry/otel/genai.js";
import type { UsageRecord } from "../../src/telemetry/usage.js";

export const T0 = 1_764_452_000_123;

export function record(extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: "req_1", tenant: "acme", keyId: "k1", model: "small", provider: "sim", system: "openai", operation: "chat", purpose: "answer",
    inputTokens: 12, outputTokens: 16, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0.0000038, latencyMs: 20.25, ttftMs: 7, status: "ok",
    attempts: 1, streamed: false, startedAt: T0 + 2, responseModel: "small-2026", ...extra,
  };
}

export function summary(extra: Partial<RequestSummary> = {}): RequestSummary {
  const records = extra.records ?? [record()];
  return {
    requestId: "req_1", tenant: "acme", keyId: "k1", endpoint: "chat", route: "auto", routeReason: "rules: code → large", router: "rules",
    routeScores: { small: 0.25, large: 0.75 }, routeThreshold: 0.5, strategy: "none", model: "small", status: 200, stream: false,
    startedAt: T0, latencyMs: 25.5, ttftMs: null, records,
    totals: { usage: { prompt_tokens: 12, completion_tokens: 16, total_tokens: 28 }, costUsd: 0.0000038, calls: records.length },
    ...extra,
  };
}

/** The spans the SDK's tracer builds for one summary, as the tracer-based code built them. */
export function sdkSpans(s: RequestSummary, resource: ReturnType<typeof resourceFromAttributes>): ReadableSpan[] {
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
  return exporter.getFinishedSpans();
}

/** Ids replaced by their order of appearance, so two exports of the same spans compare equal. */
export function withoutIds(value: unknown): unknown {
  const seen = new Map<string, string>();
  return JSON.parse(JSON.stringify(value), (key, v) => {
    if ((key === "traceId" || key === "spanId" || key === "parentSpanId") && typeof v === "string") {
      if (!seen.has(v)) seen.set(v, `${key.replace("parentSpanId", "spanId")}#${seen.size}`);
      return seen.get(v);
    }
    return v;
  });
}

export const spanResource = resourceFromAttributes({ "service.name": "octoroute", "service.version": "9.9.9" });

/** A success, a 5xx after a failed attempt, a request in its caller's trace, embeddings. */
export const spanCases: Array<[string, RequestSummary]> = [
    ["a routed chat", summary()],
    [
      "a 5xx after a failed attempt and a fallback",
      summary({ status: 502, errorCode: "upstream_error", records: [record({ status: "error", errorCode: "upstream_timeout", costUsd: null, attempts: 3 }), record({ model: "large", startedAt: T0 + 30, cachedTokens: 5, cacheWriteTokens: 2 })] }),
    ],
    ["a request in its caller's trace (traceparent, tracestate)", summary({ traceParent: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true, traceState: "vendor=abc,other=1" } })],
    ["embeddings (no output tokens, no price)", summary({ endpoint: "embeddings", route: undefined, routeReason: undefined, router: undefined, routeScores: undefined, routeThreshold: undefined, totals: { usage: { prompt_tokens: 3, total_tokens: 3 } as RequestSummary["totals"]["usage"], costUsd: null, calls: 1 }, records: [record({ operation: "embeddings", outputTokens: 0, costUsd: null, ttftMs: null })] })],
  ];
