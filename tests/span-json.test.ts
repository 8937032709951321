/**
 * Spans are written as OTLP/JSON straight from a request's summary (`span-json.ts`). They must be
 * exactly what the OpenTelemetry SDK's tracer and JSON serializer produce for the same spans, so
 * this builds both for the same requests (a success, a 5xx with a failed attempt, an embeddings
 * call without output tokens) and compares them field by field, ids aside.
 */
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { describe, expect, it } from "vitest";
import { startSpanExport } from "../src/telemetry/otel/span-export.js";
import { attributesJson, exportRequestJson, requestSpans, unixNanos } from "../src/telemetry/otel/span-json.js";
import { protobufSpans } from "../src/telemetry/otel/span-proto.js";
import { parseTraceParent } from "../src/telemetry/trace-context.js";
import { decodeTraces } from "./helpers/otlp-proto.js";
import { sdkSpans, spanCases as cases, spanResource, summary, T0, withoutIds } from "./helpers/span-cases.js";

/** Ids for our spans: a fixed trace (or the caller's) and counted span ids. */
function ids(traceId = "0af7651916cd43dd8448eb211c80319c") {
  let n = 0;
  return { traceId, newSpanId: () => (++n).toString(16).padStart(16, "0") };
}

describe("spans as OTLP/JSON", () => {
  const resource = spanResource;
  for (const [name, s] of cases) {
    it(`matches the SDK's export for ${name}`, () => {
      const ours = JSON.parse(exportRequestJson(attributesJson(resource.attributes as Record<string, unknown>), "octoroute", requestSpans(s, ids(s.traceParent?.traceId))));
      const sdk = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sdkSpans(s, resource))));
      expect(withoutIds(ours)).toEqual(withoutIds(sdk));
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

describe("spans as OTLP protobuf", () => {
  for (const [name, s] of cases) {
    it(`decode to what the SDK's protobuf export of ${name} decodes to`, () => {
      const ours = protobufSpans.request(spanResource.attributes as Record<string, unknown>, "octoroute", requestSpans(s, ids(s.traceParent?.traceId), protobufSpans));
      const sdk = ProtobufTraceSerializer.serializeRequest(sdkSpans(s, spanResource))!;
      expect(withoutIds(decodeTraces(ours as Uint8Array))).toEqual(withoutIds(decodeTraces(sdk)));
      // The same spans as the JSON export, in about half the bytes.
      const json = exportRequestJson(attributesJson(spanResource.attributes as Record<string, unknown>), "octoroute", requestSpans(s, ids(s.traceParent?.traceId)));
      expect(ours.length).toBeLessThan(json.length * 0.6);
    });
  }

  it("writes long strings, big and negative integers and doubles exactly", () => {
    const long = "x".repeat(20_000) + "é";
    const s = summary({ routeReason: long, routeThreshold: -0.125, records: [{ ...summary().records[0]!, inputTokens: 2 ** 40, outputTokens: -3 }] });
    const decoded = decodeTraces(protobufSpans.request({ "service.name": "t" }, "octoroute", requestSpans(s, ids(), protobufSpans)) as Uint8Array);
    const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans as Array<{ attributes: Array<{ key: string; value: Record<string, unknown> }>; startTimeUnixNano: string }>;
    const [call, root] = spans.map((sp) => new Map(sp.attributes.map((a) => [a.key, a.value] as const)));
    expect(root!.get("octoroute.router.decision")?.stringValue).toBe(long);
    expect(root!.get("octoroute.router.threshold")?.doubleValue).toBe(-0.125);
    expect(call!.get("gen_ai.usage.input_tokens")?.intValue).toBe(String(2 ** 40));
    expect(call!.get("gen_ai.usage.output_tokens")?.intValue).toBe("-3");
    expect(spans.at(-1)!.startTimeUnixNano).toBe(unixNanos(T0));
  });
});

describe("protobuf string attributes written from the cache of repeated values", () => {
  it("write the same bytes the first time and every time after, and past the cache's limits", () => {
    const decodeAttrs = (s: ReturnType<typeof summary>) => {
      const decoded = decodeTraces(protobufSpans.request({}, "o", requestSpans(s, ids(), protobufSpans)) as Uint8Array);
      const spans = decoded.resourceSpans[0]!.scopeSpans[0]!.spans as Array<{ attributes: Array<{ key: string; value: Record<string, unknown> }> }>;
      return spans.map((sp) => Object.fromEntries(sp.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.doubleValue ?? a.value.boolValue])));
    };
    // 300 distinct tenants (past the per-key limit), each seen twice; routes repeat, one non-ASCII.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 300; i++) {
        const tenant = `tenant-${i}`;
        const route = i % 3 === 0 ? "auto" : i % 3 === 1 ? "cheap-first" : "routé-ü";
        const attrs = decodeAttrs(summary({ tenant, route, requestId: `req_${round}_${i}` }));
        const root = attrs.find((a) => a["octoroute.request_id"] !== undefined)!;
        expect([root["octoroute.tenant"], root["octoroute.route"], root["octoroute.request_id"]]).toEqual([tenant, route, `req_${round}_${i}`]);
      }
    }
  });
});

describe("protobuf span times", () => {
  it("writes every epoch millisecond with its fraction as the exact fixed64 nanosecond", () => {
    const times = [0, 1.000001, T0, T0 + 0.25, 2 ** 41 - 0.5, 2 ** 41 + 1, 4_102_444_800_000.999999];
    for (let i = 0; i < 300; i++) times.push(Math.floor(Math.random() * 4e12) + Math.round(Math.random() * 1e6) / 1e6);
    for (const t of times) {
      const s = summary({ startedAt: t, latencyMs: 0, records: [] });
      const decoded = decodeTraces(protobufSpans.request({}, "o", requestSpans(s, ids(), protobufSpans)) as Uint8Array);
      const span = decoded.resourceSpans[0]!.scopeSpans[0]!.spans[0]! as { startTimeUnixNano: string };
      expect([t, BigInt(span.startTimeUnixNano)]).toEqual([t, BigInt(unixNanos(t))]);
    }
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
