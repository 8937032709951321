/**
 * The D1 ledger (Workers) against the embedded SQLite ledger: the same rows written to both must
 * give the same answers to every query the usage API and budgets make. D1 here is the real local
 * implementation (miniflare, as `wrangler dev` runs it), reached from Node through its binding.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type D1DatabaseLike, D1Ledger } from "../src/edge/d1-ledger.js";
import { D1ResponseStore } from "../src/edge/d1-response-store.js";
import type { StoredResponse } from "../src/api/responses/store.js";
import { closeDatabase, openDatabase } from "../src/node/database.js";
import { SqliteLedger } from "../src/telemetry/ledger/sqlite.js";
import type { CallRow, RequestRow, UsageQuery } from "../src/telemetry/ledger/types.js";

const path = join(mkdtempSync(join(tmpdir(), "octoroute-d1-ledger-")), "ledger.db");
let mf: Miniflare;
let d1: D1Ledger;
let db: D1DatabaseLike;
let sqlite: SqliteLedger;

const T0 = Date.UTC(2026, 10, 28, 10);
const tenants = ["team-a", "team-b", "team-c"];
const models = ["sim-small", "sim-large", "sim-fast"];

/** 120 requests over three days, 1–3 calls each; some unpriced, some failed, some streamed. */
function rows(): { requests: RequestRow[]; calls: CallRow[] } {
  const requests: RequestRow[] = [];
  const calls: CallRow[] = [];
  for (let i = 0; i < 120; i++) {
    const ts = T0 + i * 2_160_000;
    const tenant = tenants[i % 3]!;
    const n = 1 + (i % 3);
    const unpriced = i % 17 === 0;
    const failed = i % 13 === 0;
    let input = 0;
    let output = 0;
    let cost = 0;
    for (let seq = 0; seq < n; seq++) {
      const c: CallRow = { ts: ts + seq, requestId: `req-${i}`, seq, tenant, keyId: `k${i % 2}`, route: i % 4 ? "auto" : null, strategy: i % 5 ? "none" : "self-consistency", model: models[(i + seq) % 3]!, provider: "sim", operation: "chat", purpose: seq ? "answer" : "router", inputTokens: 10 + i + seq, outputTokens: 5 + (i % 7), cachedTokens: i % 4, cacheWriteTokens: 0, costUsd: unpriced ? null : (10 + i + seq) * 1.5e-7 + (5 + (i % 7)) * 6e-7, latencyMs: 20 + ((i * 37) % 300) + seq / 3, ttftMs: i % 2 ? 7 + seq : null, status: failed && seq === n - 1 ? "error" : "ok", errorCode: failed && seq === n - 1 ? "upstream_5xx" : null, attempts: 1 + (i % 2), streamed: i % 2 === 1, responseModel: `${models[(i + seq) % 3]}-2026` };
      calls.push(c);
      input += c.inputTokens;
      output += c.outputTokens;
      cost += c.costUsd ?? 0;
    }
    requests.push({ ts, requestId: `req-${i}`, tenant, keyId: `k${i % 2}`, endpoint: "chat", route: i % 4 ? "auto" : null, strategy: i % 5 ? "none" : "self-consistency", model: models[i % 3]!, status: failed ? 502 : 200, errorCode: failed ? "upstream_error" : null, stream: i % 2 === 1, calls: n, inputTokens: input, outputTokens: output, cachedTokens: 0, cacheWriteTokens: 0, costUsd: unpriced ? null : cost, latencyMs: 25 + ((i * 53) % 400) + 0.25, ttftMs: i % 2 ? 9 : null });
  }
  return { requests, calls };
}

beforeAll(async () => {
  mf = new Miniflare({ modules: true, script: "export default { fetch() { return new Response(null) } }", d1Databases: { LEDGER: "octoroute-d1-ledger-test" } });
  db = (await mf.getD1Database("LEDGER")) as unknown as D1DatabaseLike;
  d1 = new D1Ledger(db);
  sqlite = new SqliteLedger(openDatabase(path));
  await sqlite.init();
  const { requests, calls } = rows();
  // In several batches, as the ledger flushes them.
  for (let i = 0; i < requests.length; i += 40) {
    const ids = new Set(requests.slice(i, i + 40).map((r) => r.requestId));
    const part = calls.filter((c) => ids.has(c.requestId));
    await d1.insert(requests.slice(i, i + 40), part);
    await sqlite.insert(requests.slice(i, i + 40), part);
  }
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  closeDatabase(path);
});

describe("D1 ledger", () => {
  it("has one row per request and per call", async () => {
    expect(await d1.counts()).toEqual({ requests: 120, calls: 240 });
  });

  it.each<[string, Omit<UsageQuery, "from" | "to">]>([
    ["totals", { groupBy: [] }],
    ["by tenant", { groupBy: ["tenant"] }],
    ["by model and day", { groupBy: ["model", "day"] }],
    ["by route, strategy and hour, one tenant", { groupBy: ["route", "strategy", "hour"], tenant: "team-b" }],
  ])("answers usage %s as the SQLite ledger does", async (_, q) => {
    const query = { ...q, from: T0, to: T0 + 3 * 86_400_000 } as UsageQuery;
    expect(await d1.usage(query)).toEqual(await sqlite.usage(query));
  });

  it("answers spend, top requests and a request's rows as the SQLite ledger does", async () => {
    expect(await d1.spendSince(T0 + 86_400_000)).toEqual(await sqlite.spendSince(T0 + 86_400_000));
    const q = { from: T0, to: T0 + 3 * 86_400_000, tenant: "team-a" };
    expect(await d1.topRequests(q, 7)).toEqual(await sqlite.topRequests(q, 7));
    const one = await d1.rowsOf("req-17");
    expect(one).toEqual(await sqlite.rowsOf("req-17"));
    expect(one.calls.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(one.requests[0]!.costUsd).toBeNull();
  });

  it("deletes rows older than the retention cutoff", async () => {
    const cutoff = T0 + 60 * 2_160_000;
    const deleted = await d1.deleteBefore(cutoff);
    expect(deleted).toBe(60 + 120);
    expect(await d1.counts()).toEqual({ requests: 60, calls: 120 });
  });
});

describe("D1 response store", () => {
  const record = (id: string, tenant: string, expiresAt: number | null): StoredResponse =>
    ({ id, tenant, createdAt: 1, expiresAt, response: { id, object: "response", output: [{ type: "message", content: [{ type: "output_text", text: `answer of ${id}` }] }] }, input: [{ role: "user", content: `question of ${id} — ünïcode ✓` }], instructions: "be brief" }) as unknown as StoredResponse;

  it("keeps, finds per tenant, deletes and expires responses", async () => {
    let now = 1_000_000;
    const store = new D1ResponseStore(db, () => now);
    await store.put(record("resp_1", "team-a", null));
    await store.put(record("resp_2", "team-a", now + 1000));
    expect(await store.get("team-a", "resp_1")).toEqual(record("resp_1", "team-a", null));
    expect(await store.get("team-b", "resp_1")).toBeNull();
    // A second store (another isolate) sees the same rows.
    expect((await new D1ResponseStore(db, () => now).get("team-a", "resp_2"))?.instructions).toBe("be brief");
    now += 2000;
    expect(await store.get("team-a", "resp_2")).toBeNull();
    expect(await store.purgeExpired()).toBe(1);
    expect(await store.delete("team-b", "resp_1")).toBe(false);
    expect(await store.delete("team-a", "resp_1")).toBe(true);
    expect(await store.get("team-a", "resp_1")).toBeNull();
  });
});
