/**
 * The usage ledger, end to end through the gateway with the official SDK, run as one suite
 * against every backend: embedded SQLite and a real PostgreSQL server (`OCTOROUTE_TEST_PG_URL`,
 * started by `.ci/run`; in CI a missing server fails the suite instead of skipping it). Costs must
 * equal catalog price × the sim's reported tokens to the micro-dollar, and there must be exactly
 * one row per client request and one per upstream call.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../src/telemetry/ledger/ledger.js";
import { post, type Stack, startStack } from "./helpers/stack.js";

const PG_URL = process.env.OCTOROUTE_TEST_PG_URL;
const IN_CI = process.env.CI === "true";

interface Backend {
  name: string;
  /** Config patch selecting the backend. */
  setup(): Promise<(cfg: Record<string, unknown>) => void>;
  teardown(): Promise<void>;
}

const sqlite: Backend = { name: "sqlite", setup: async () => () => {}, teardown: async () => {} };

function postgres(): Backend {
  let admin: pg.Client | undefined;
  let dbName = "";
  return {
    name: "postgres",
    async setup() {
      // A fresh database per run, so rows of other runs never count.
      admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      dbName = `octoroute_test_${process.pid}_${Date.now()}`;
      await admin.query(`CREATE DATABASE ${dbName}`);
      const url = new URL(PG_URL!);
      url.pathname = `/${dbName}`;
      return (cfg) => {
        cfg.ledger = { url: url.toString() };
      };
    },
    async teardown() {
      await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
      await admin?.end();
    },
  };
}

describe("the PostgreSQL test server", () => {
  it.runIf(IN_CI)("is configured in CI (OCTOROUTE_TEST_PG_URL)", () => {
    expect(PG_URL, "CI must start PostgreSQL (.ci/start-postgres) and export OCTOROUTE_TEST_PG_URL").toBeTruthy();
  });
});

const backends: Backend[] = [sqlite, ...(PG_URL || IN_CI ? [postgres()] : [])];

describe.each(backends)("ledger on $name", (backend) => {
  let stack: Stack;
  const tag = `${backend.name}-${Date.now().toString(36)}`;
  const ledger = () => stack.gateway.accounting!.ledger!;
  const rows = (requestId: string) => ledger().rowsOf(requestId);
  const micro = (usage: { prompt_tokens: number; completion_tokens?: number }, input: number, output: number) =>
    (usage.prompt_tokens * input + (usage.completion_tokens ?? 0) * output) / 1e6;

  beforeAll(async () => {
    const patch = await backend.setup();
    stack = await startStack({ patch });
    expect(stack.gateway.accounting!.ledger!.backend.kind).toBe(backend.name);
  });
  afterAll(async () => {
    await stack?.close();
    await backend.teardown();
  });

  it("bills a chat at catalog price × reported tokens, to the micro-dollar", async () => {
    const id = `${tag}-chat`;
    const { data, response } = await stack
      .client()
      .chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "what does this cost?" }] }, { headers: { "x-request-id": id } })
      .withResponse();
    const expected = micro(data.usage!, 0.15, 0.6);
    const { requests, calls } = await rows(id);
    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.costUsd).toBeCloseTo(expected, 12);
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(expected, 12);
    expect(req).toMatchObject({ tenant: "team-a", keyId: "189918722f78", endpoint: "chat", strategy: "none", model: "sim-small", status: 200, stream: false, calls: 1 });
    expect([req.inputTokens, req.outputTokens]).toEqual([data.usage!.prompt_tokens, data.usage!.completion_tokens]);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ model: "sim-small", provider: "sim", purpose: "answer", status: "ok", operation: "chat", attempts: 1, errorCode: null });
    expect(calls[0]!.costUsd).toBeCloseTo(expected, 12);
  });

  it("bills a streamed chat from the include_usage chunk", async () => {
    const id = `${tag}-stream`;
    const stream = await stack.client().chat.completions.create(
      { model: "sim-large", messages: [{ role: "user", content: "stream the bill" }], stream: true, stream_options: { include_usage: true } },
      { headers: { "x-request-id": id } },
    );
    let usage;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    const { requests: [req], calls } = await rows(id);
    expect(req!.costUsd).toBeCloseTo(micro(usage!, 2.5, 10), 12);
    expect(req!.stream).toBe(true);
    expect(req!.outputTokens).toBe(usage!.completion_tokens);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.streamed).toBe(true);
    expect(calls[0]!.ttftMs).not.toBeNull();
  });

  it("bills completions and embeddings", async () => {
    const cid = `${tag}-completion`;
    const c = await stack.client().completions.create({ model: "sim-small", prompt: "Once upon a time", max_tokens: 12 }, { headers: { "x-request-id": cid } });
    const { requests: [creq] } = await rows(cid);
    expect(creq!.costUsd).toBeCloseTo(micro(c.usage!, 0.15, 0.6), 12);
    expect(creq!.endpoint).toBe("completions");

    const eid = `${tag}-embedding`;
    const e = await stack.client().embeddings.create({ model: "sim-embed", input: ["first text", "a second, longer text"] }, { headers: { "x-request-id": eid } });
    const { requests: [ereq], calls } = await rows(eid);
    expect(e.usage.prompt_tokens).toBeGreaterThan(0);
    expect(ereq!.costUsd).toBeCloseTo((e.usage.prompt_tokens * 0.02) / 1e6, 12);
    expect(ereq!.endpoint).toBe("embeddings");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.operation).toBe("embeddings");
  });

  it("writes one call row per upstream call: a failed call and its fallback", async () => {
    const id = `${tag}-fallback`;
    const res = await post(stack, "/v1/chat/completions", { model: "sim-flaky", messages: [{ role: "user", content: "fall back" }] }, { "x-request-id": id, "x-sim-fault": "500;times=3" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
    const { requests: [req], calls } = await rows(id);
    expect(calls.map((c) => [c.seq, c.model, c.status])).toEqual([
      [0, "sim-flaky", "error"],
      [1, "sim-fast", "ok"],
    ]);
    expect(calls[0]!.attempts).toBe(3);
    expect(calls[0]!.errorCode).toBeTruthy();
    expect(req!.calls).toBe(2);
    expect(req!.model).toBe("sim-fast");
    expect(req!.costUsd).toBeCloseTo(micro(body.usage, 0.05, 0.2), 12);
  });

  it("records refused and failed requests too, with their error class", async () => {
    const id = `${tag}-refused`;
    const res = await post(stack, "/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "x" }] }, { "x-request-id": id, "x-sim-fault": "500;times=10" });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const { requests: [req] } = await rows(id);
    expect(req!.status).toBe(res.status);
    expect(req!.errorCode).toBe(((await res.json()) as { error: { code: string } }).error.code);
  });

  it("has exactly one request row per request and one call row per call under concurrency", async () => {
    const prefix = `${tag}-burst-`;
    const n = 40;
    await Promise.all(
      Array.from({ length: n }, (_, i) => stack.client().chat.completions.create({ model: "sim-fast", messages: [{ role: "user", content: `burst ${i}` }] }, { headers: { "x-request-id": `${prefix}${i}` } })),
    );
    const found = await Promise.all(Array.from({ length: n }, (_, i) => rows(`${prefix}${i}`)));
    expect(found.map((f) => [f.requests.length, f.calls.length])).toEqual(Array.from({ length: n }, () => [1, 1]));
  });

  it("answers usage queries grouped by model and day, with percentiles", async () => {
    const l = ledger();
    const now = Date.now();
    const byModel = await l.usage({ from: now - 3_600_000, to: now + 60_000, groupBy: ["model"], tenant: "team-a" });
    const small = byModel.find((g) => g.group.model === "sim-small")!;
    expect(small.requests).toBeGreaterThanOrEqual(2);
    expect(small.latencyP50Ms).not.toBeNull();
    expect(small.latencyP95Ms!).toBeGreaterThanOrEqual(small.latencyP50Ms!);
    const [total] = await l.usage({ from: now - 3_600_000, to: now + 60_000, groupBy: [], tenant: "team-a" });
    expect(total!.requests).toBe(byModel.reduce((n, g) => n + g.requests, 0));
    expect(total!.costUsd).toBeCloseTo(byModel.reduce((n, g) => n + g.costUsd, 0), 12);
    const byDay = await l.usage({ from: now - 3_600_000, to: now + 60_000, groupBy: ["day"], tenant: "team-a" });
    expect(byDay.map((g) => g.group.day)).toContain(new Date(now).toISOString().slice(0, 10));
    const none = await l.usage({ from: now - 3_600_000, to: now + 60_000, groupBy: [], tenant: "nobody" });
    expect(none).toEqual([]);
  });

  it("writes a batch larger than one write slice completely", async () => {
    const store = ledger().backend;
    const ts = Date.now() - 86_400_000;
    const req = (i: number) => ({ ts, requestId: `${tag}-bulk-${i}`, tenant: "bulk", keyId: "k", endpoint: "chat", route: null, strategy: "none", model: "m", status: 200, errorCode: null, stream: false, calls: 1, inputTokens: i, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0.001, latencyMs: i, ttftMs: null });
    const requests = Array.from({ length: 150 }, (_, i) => req(i));
    const calls = Array.from({ length: 230 }, (_, i) => ({ ...req(i % 150), seq: Math.floor(i / 150), provider: "p", operation: "chat", purpose: "answer", status: "ok", attempts: 1, streamed: false, responseModel: null }));
    await store.insert(requests, calls);
    const [r] = await store.usage({ from: ts, to: ts + 1, groupBy: [], tenant: "bulk" });
    expect(r).toMatchObject({ requests: 150, inputTokens: (149 * 150) / 2, latencyP50Ms: 74 });
    expect(r!.costUsd).toBeCloseTo(0.15, 12);
    const last = await store.rowsOf(`${tag}-bulk-149`);
    expect([last.requests.length, last.calls.length]).toEqual([1, 1]);
    const first = await store.rowsOf(`${tag}-bulk-0`);
    expect(first.calls.map((c) => c.seq)).toEqual([0, 1]);
    // Rows written in multi-row statements and row by row come back field for field.
    const mid = await store.rowsOf(`${tag}-bulk-60`);
    expect(mid.requests[0]).toMatchObject(requests[60]!);
    const got = mid.calls.sort((a, b) => a.seq - b.seq);
    // The call rows of this fixture carry request fields too; compare what a call row holds.
    const asCallRow = (c: Record<string, unknown>) => Object.fromEntries(Object.keys(got[0]!).map((k) => [k, c[k]]));
    expect(got).toEqual([asCallRow(calls[60]!), asCallRow(calls[210]!)]);
  });

  it("retention deletes old rows and keeps recent ones", async () => {
    const l = ledger();
    const old = Date.now() - 40 * 86_400_000;
    const row = { ts: old, requestId: `${tag}-ancient`, tenant: "team-a", keyId: "k", endpoint: "chat", route: null, strategy: "none", model: "sim-small", status: 200, errorCode: null, stream: false, calls: 1, inputTokens: 1, outputTokens: 1, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 1, latencyMs: 1, ttftMs: null };
    await l.backend.insert([row], [{ ...row, seq: 0, provider: "sim", operation: "chat", purpose: "answer", status: "ok", attempts: 1, streamed: false, responseModel: null }]);
    const before = await l.backend.counts();
    // The retention cleanup as configured with `ledger.retentionDays: 30`.
    const deleted = await new Ledger(l.backend, { retentionDays: 30, retentionIntervalMs: 3_600_000 }).cleanup();
    expect(deleted).toBe(2);
    const after = await l.backend.counts();
    expect(after).toEqual({ requests: before.requests - 1, calls: before.calls - 1 });
    expect((await rows(`${tag}-chat`)).requests).toHaveLength(1);
    expect((await rows(`${tag}-ancient`)).requests).toHaveLength(0);
  });
});
