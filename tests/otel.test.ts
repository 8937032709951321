/**
 * OpenTelemetry export end to end: the gateway exports OTLP/HTTP (JSON) to a small receiver on
 * loopback, and the spans it gets are one per client request with one child per upstream call,
 * carrying the GenAI semantic-convention attributes, real start times, and never a key or text.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelemetry } from "../src/telemetry/otel/node-sdk.js";
import { decodeTraces } from "./helpers/otlp-proto.js";
import { KEY_A, type Stack, startStack } from "./helpers/stack.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes: Array<{ key: string; value: OtlpValue }>;
  status?: { code?: number };
}

/**
 * A minimal OTLP/HTTP collector: keeps every body posted to /v1/traces and /v1/metrics, in either
 * encoding (protobuf, the default, or JSON), and reads spans from both.
 */
class Receiver {
  readonly bodies: Record<string, Buffer[]> = { "/v1/traces": [], "/v1/metrics": [] };
  readonly contentTypes: string[] = [];
  readonly headers: Array<Record<string, string | string[] | undefined>> = [];
  private server!: Server;
  url = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        (this.bodies[req.url ?? ""] ??= []).push(Buffer.concat(parts));
        this.contentTypes.push(req.headers["content-type"] ?? "");
        this.headers.push(req.headers);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spans(): OtlpSpan[] {
    return this.bodies["/v1/traces"]!.flatMap((b) => {
      const doc = (b[0] === 0x7b ? JSON.parse(b.toString("utf8")) : decodeTraces(b)) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      return doc.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans));
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

function attrs(span: OtlpSpan): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of span.attributes) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue!;
  }
  return out;
}

const ms = (nanos: string | number) => Number(BigInt(nanos) / 1_000_000n);

const receiver = new Receiver();
let stack: Stack;
beforeAll(async () => {
  await receiver.start();
  stack = await startStack({
    patch: (cfg) => {
      cfg.telemetry = {
        serviceName: "octoroute-test",
        otlp: { endpoint: receiver.url, headers: { "x-collector-token": "collector-secret" }, metricsIntervalMs: 3_600_000 },
      };
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await receiver.close();
});

describe("OTLP/HTTP export", () => {
  const SECRET_PROMPT = "my-very-private-prompt-text";
  let t0 = 0;

  beforeAll(async () => {
    t0 = Date.now();
    const client = stack.client(KEY_A);
    await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: SECRET_PROMPT }] }, { headers: { "x-request-id": "otel-plain" } });
    const stream = await client.chat.completions.create(
      { model: "sim-large", messages: [{ role: "user", content: "stream for otel" }], stream: true, stream_options: { include_usage: true } },
      { headers: { "x-request-id": "otel-stream" } },
    );
    for await (const _ of stream) void _;
    // Fails three attempts on sim-small, then its fallback sim-fast answers: two upstream calls.
    await client.chat.completions.create({ model: "sim-flaky", messages: [{ role: "user", content: "fallback please" }] }, { headers: { "x-request-id": "otel-fallback", "x-sim-fault": "503;times=3" } });
    await client.embeddings.create({ model: "sim-embed", input: ["one", "two"] }, { headers: { "x-request-id": "otel-embed" } });
    await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "via the route" }] }, { headers: { "x-request-id": "otel-route" } });
    await stack.gateway.telemetry.telemetry.flush();
  });

  const requestSpan = (id: string) => {
    const found = receiver.spans().filter((s) => s.kind === 2 && attrs(s)["octoroute.request_id"] === id);
    expect(found, `one server span for ${id}`).toHaveLength(1);
    return found[0]!;
  };
  const children = (parent: OtlpSpan) => receiver.spans().filter((s) => s.parentSpanId === parent.spanId).sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));

  it("exports one server span per client request with GenAI and Octoroute attributes", async () => {
    const root = requestSpan("otel-plain");
    const a = attrs(root);
    expect(root.name).toBe("chat sim-small");
    expect(root.parentSpanId ?? "").toBe("");
    expect(a["gen_ai.operation.name"]).toBe("chat");
    expect(a["gen_ai.request.model"]).toBe("sim-small");
    expect(a["gen_ai.response.model"]).toBe("sim-small");
    expect(a["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(a["gen_ai.usage.output_tokens"]).toBeGreaterThan(0);
    expect(a["octoroute.tenant"]).toBe("team-a");
    expect(a["octoroute.strategy"]).toBe("none");
    expect(a["http.response.status_code"]).toBe(200);
    const cost = ((a["gen_ai.usage.input_tokens"] as number) * 0.15 + (a["gen_ai.usage.output_tokens"] as number) * 0.6) / 1e6;
    expect(a["octoroute.cost_usd"]).toBeCloseTo(cost, 12);
    expect(ms(root.startTimeUnixNano)).toBeGreaterThanOrEqual(t0);
    expect(ms(root.endTimeUnixNano)).toBeGreaterThanOrEqual(ms(root.startTimeUnixNano));
  });

  it("links a child span per upstream call, inside its parent's time, with provider and usage", () => {
    const root = requestSpan("otel-plain");
    const [call, ...rest] = children(root);
    expect(rest).toHaveLength(0);
    expect(call!.traceId).toBe(root.traceId);
    expect(call!.kind).toBe(3); // CLIENT
    expect(call!.name).toBe("chat sim-small");
    const a = attrs(call!);
    expect(a["gen_ai.provider.name"]).toBe("sim"); // the provider preset (the protocol family for plain upstreams)
    expect(a["octoroute.provider"]).toBe("sim");
    expect(a["gen_ai.request.model"]).toBe("sim-small");
    expect(a["gen_ai.response.model"]).toBe("sim-small");
    expect(a["gen_ai.usage.input_tokens"]).toBe(attrs(root)["gen_ai.usage.input_tokens"]);
    expect(a["gen_ai.usage.output_tokens"]).toBe(attrs(root)["gen_ai.usage.output_tokens"]);
    expect(a["octoroute.purpose"]).toBe("answer");
    expect(ms(call!.startTimeUnixNano)).toBeGreaterThanOrEqual(ms(root.startTimeUnixNano));
    expect(ms(call!.endTimeUnixNano)).toBeLessThanOrEqual(ms(root.endTimeUnixNano));
  });

  it("gives a failed call and its fallback one child span each, the failure marked as an error", () => {
    const root = requestSpan("otel-fallback");
    expect(attrs(root)["gen_ai.response.model"]).toBe("sim-fast");
    const calls = children(root);
    expect(calls.map((c) => attrs(c)["gen_ai.request.model"])).toEqual(["sim-flaky", "sim-fast"]);
    expect(attrs(calls[0]!)["error.type"]).toBeTruthy();
    expect(attrs(calls[0]!)["octoroute.attempts"]).toBe(3);
    expect(calls[0]!.status?.code).toBe(2); // ERROR
    expect(attrs(calls[1]!)["octoroute.status"]).toBe("ok");
    // The usage on the request span is the sum over its calls.
    const sum = calls.reduce((n, c) => n + (attrs(c)["gen_ai.usage.output_tokens"] as number), 0);
    expect(attrs(root)["gen_ai.usage.output_tokens"]).toBe(sum);
  });

  it("records time to first token on streamed calls", () => {
    const root = requestSpan("otel-stream");
    const [call] = children(root);
    const a = attrs(call!);
    expect(a["octoroute.stream"]).toBe(true);
    expect(a["octoroute.ttft_ms"]).toBeGreaterThanOrEqual(0);
    expect(a["octoroute.ttft_ms"]).toBeLessThanOrEqual(ms(call!.endTimeUnixNano) - ms(call!.startTimeUnixNano));
  });

  it("names embeddings and routes by the conventions", () => {
    const embed = requestSpan("otel-embed");
    expect(embed.name).toBe("embeddings sim-embed");
    expect(attrs(children(embed)[0]!)["gen_ai.operation.name"]).toBe("embeddings");
    const routed = attrs(requestSpan("otel-route"));
    expect(routed["gen_ai.request.model"]).toBe("fast");
    expect(routed["octoroute.route"]).toBe("fast");
    expect(routed["gen_ai.response.model"]).toBe("sim-fast");
    expect(typeof routed["octoroute.router.decision"]).toBe("string");
    expect(typeof routed["octoroute.router"]).toBe("string");
  });

  it("sends the configured headers and never a key or prompt text", () => {
    expect(receiver.headers.some((h) => h["x-collector-token"] === "collector-secret")).toBe(true);
    const all = Object.values(receiver.bodies).flat().join("\n");
    expect(all).not.toContain(KEY_A);
    expect(all).not.toContain(SECRET_PROMPT);
    expect(all).toContain("octoroute-test"); // service.name
  });

  it("joins the caller's trace from traceparent/tracestate, and follows its sampling decision", async () => {
    const client = stack.client(KEY_A);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    await client.chat.completions.create(
      { model: "sim-small", messages: [{ role: "user", content: "traced by my caller" }] },
      { headers: { "x-request-id": "otel-joined", traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: "vendor=abc" } },
    );
    const unsampled = "5bf92f3577b34da6a3ce929d0e0e4736";
    await client.chat.completions.create(
      { model: "sim-small", messages: [{ role: "user", content: "caller did not sample" }] },
      { headers: { "x-request-id": "otel-unsampled", traceparent: `00-${unsampled}-${callerSpan}-00` } },
    );
    // Malformed: the request starts a trace of its own.
    await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "bad header" }] }, { headers: { "x-request-id": "otel-badparent", traceparent: "00-zz-12-01" } });
    await stack.gateway.telemetry.telemetry.flush();
    const root = requestSpan("otel-joined") as OtlpSpan & { traceState?: string; flags?: number };
    expect(root.traceId).toBe(traceId);
    expect(root.parentSpanId).toBe(callerSpan);
    expect(root.traceState).toBe("vendor=abc");
    expect(root.flags).toBe(0x301); // sampled, parent is remote
    const kids = children(root);
    expect(kids.length).toBe(1);
    expect(kids.every((k) => k.traceId === traceId)).toBe(true);
    expect(receiver.spans().filter((s) => s.traceId === unsampled)).toHaveLength(0);
    const own = requestSpan("otel-badparent");
    expect(own.parentSpanId).toBeUndefined();
    expect(own.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("pushes GenAI metrics over OTLP too", async () => {
    await stack.gateway.telemetry.telemetry.flush();
    const names = new Set(
      receiver.bodies["/v1/metrics"]!.flatMap((b) => {
        if (b[0] !== 0x7b) return [];
        const doc = JSON.parse(b.toString("utf8")) as { resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }> };
        return doc.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)));
      }),
    );
    // Protobuf metrics (the default encoding): the names are in the message as UTF-8.
    const protobuf = receiver.bodies["/v1/metrics"]!.filter((b) => b[0] !== 0x7b);
    expect(protobuf.length).toBeGreaterThan(0);
    for (const n of ["gen_ai.client.token.usage", "gen_ai.client.operation.duration", "gen_ai.client.operation.time_to_first_chunk", "octoroute.cost", "octoroute.requests"]) {
      expect(names.has(n) || protobuf.some((b) => b.includes(n)), n).toBe(true);
    }
  });
});

describe("sampling", () => {
  it("exports no spans at ratio 0 (metrics still count)", async () => {
    const rx = new Receiver();
    await rx.start();
    const s = await startStack({ patch: (cfg) => void (cfg.telemetry = { otlp: { endpoint: rx.url, metrics: false }, sampling: { ratio: 0 } }) });
    try {
      await s.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "unsampled" }] });
      await s.gateway.telemetry.telemetry.flush();
      expect(rx.spans()).toHaveLength(0);
      expect(await s.gateway.telemetry.telemetry.renderPrometheus()).toMatch(/octoroute_requests_total\{[^}]*\} 1/);
    } finally {
      await s.close();
      await rx.close();
    }
  });
});

describe("spans without the SQLite ledger", () => {
  // With the SQLite ledger, spans are read from its hand-offs to the background thread; without
  // it (ledger off, or PostgreSQL) span export takes finished requests over its own port.
  it("exports every request's spans, and JSON when asked", async () => {
    const rx = new Receiver();
    await rx.start();
    const s = await startStack({ patch: (cfg) => void ((cfg.ledger = { enabled: false }), (cfg.telemetry = { otlp: { endpoint: rx.url, protocol: "http/json", metrics: false } })) });
    try {
      for (const id of ["noledger-1", "noledger-2"]) await s.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: id }] }, { headers: { "x-request-id": id } });
      await s.gateway.telemetry.telemetry.flush();
      const spans = rx.spans();
      // A request span and a call span each.
      expect(spans).toHaveLength(4);
      expect(spans.map((sp) => attrs(sp)["octoroute.request_id"]).filter(Boolean).sort()).toEqual(["noledger-1", "noledger-2"]);
      expect(rx.contentTypes.every((t) => t === "application/json")).toBe(true);
    } finally {
      await s.close();
      await rx.close();
    }
  });
});

describe("export failures", () => {
  it("says in the gateway log that a batch could not be exported, without the configured headers", async () => {
    // A port that was just free: nothing listens there.
    const gone = new Receiver();
    await gone.start();
    await gone.close();
    const logged: string[] = [];
    const t = await startTelemetry(
      { serviceName: "x", sampling: { ratio: 1 }, prometheus: { enabled: false }, otlp: { endpoint: gone.url, protocol: "http/json", headers: { authorization: "Bearer collector-secret" }, traces: true, metrics: true, metricsIntervalMs: 3_600_000, timeoutMs: 2000 } },
      { log: (m) => logged.push(m) },
    );
    const now = Date.now();
    t.hooks.onRequestEnd({
      requestId: "req_void", tenant: "team-a", keyId: "k", endpoint: "chat", strategy: "none", model: "sim-small", status: 200, stream: false,
      startedAt: now - 10, latencyMs: 10, ttftMs: null, records: [], totals: { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, costUsd: 0, calls: 0 },
    });
    await t.flush().catch(() => {});
    await t.shutdown();
    expect(logged.some((m) => m.startsWith("telemetry: span export to the OTLP endpoint failed"))).toBe(true);
    expect(logged.join("\n")).not.toContain("collector-secret");
  });
});
