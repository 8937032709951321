/**
 * The ledger's hand-off to the SQLite background thread: finished requests cross every few ms in
 * small batches and the thread writes them on its own schedule (flush interval / batch rows).
 * Every row lands exactly once — in a burst, across a flush, and when writes fail for a while
 * (the batches are kept and handed over again) — and a flush waits until all of it is stored.
 */
import { mkdtempSync } from "node:fs";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { ThreadedSqliteLedger } from "../src/node/sqlite-ledger-thread.js";
import { serve as serveLedger } from "../src/node/sqlite-ledger-service.js";
import { summaryJson } from "../src/telemetry/summary-json.js";
import { Ledger, type LedgerOptions } from "../src/telemetry/ledger/ledger.js";
import type { LedgerBackend } from "../src/telemetry/ledger/types.js";

const ledgers: Ledger[] = [];
const ports: MessagePort[] = [];
afterEach(async () => {
  while (ledgers.length) await ledgers.pop()!.close();
  while (ports.length) ports.pop()!.close();
});

let seq = 0;
function summary(calls = 1): RequestSummary {
  const requestId = `handoff-${++seq}`;
  const startedAt = Date.now();
  const records = Array.from({ length: calls }, () => ({
    requestId,
    tenant: "acme",
    keyId: "k1",
    model: "sim-small",
    provider: "sim",
    system: "openai",
    operation: "chat" as const,
    purpose: "answer" as const,
    inputTokens: 10,
    outputTokens: 5,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0.000001,
    latencyMs: 3,
    ttftMs: null,
    status: "ok" as const,
    attempts: 1,
    streamed: false,
    startedAt,
  }));
  return {
    requestId,
    tenant: "acme",
    keyId: "k1",
    endpoint: "chat",
    strategy: "none",
    model: "sim-small",
    status: 200,
    stream: false,
    startedAt,
    latencyMs: 4,
    ttftMs: null,
    records,
    totals: { usage: { prompt_tokens: 10 * calls, completion_tokens: 5 * calls, total_tokens: 15 * calls }, costUsd: 0.000001 * calls, calls },
  };
}

function threaded(opts: { flushIntervalMs?: number; batchRows?: number } = {}): ThreadedSqliteLedger {
  return new ThreadedSqliteLedger(join(mkdtempSync(join(tmpdir(), "octoroute-handoff-")), "ledger.db"), opts);
}

async function open(backend: LedgerBackend, opts: LedgerOptions = {}): Promise<Ledger> {
  await backend.init();
  const ledger = new Ledger(backend, opts);
  ledgers.push(ledger);
  return ledger;
}

describe("ledger hand-off to the background thread", () => {
  it("stores every row of a burst exactly once, written by the thread on its own schedule", async () => {
    const backend = threaded({ flushIntervalMs: 50, batchRows: 10_000 });
    const ledger = await open(backend, { flushIntervalMs: 50, batchRows: 10_000 });
    for (let i = 0; i < 1500; i++) ledger.record(summary(i % 3 === 0 ? 2 : 1));
    // Handed over within a few ms and written by the thread's own timer, without a flush.
    await expect.poll(() => ledger.written, { timeout: 5000, interval: 20 }).toBe(1500 + 2000);
    expect(await backend.counts()).toEqual({ requests: 1500, calls: 2000 });
    expect(ledger.pending()).toBe(0);
  });

  it("a flush waits for rows still held by the thread", async () => {
    // A flush interval far longer than the test: only the flush can have written the rows.
    const backend = threaded({ flushIntervalMs: 60_000, batchRows: 100_000 });
    const ledger = await open(backend, { flushIntervalMs: 60_000, batchRows: 100_000 });
    for (let i = 0; i < 40; i++) ledger.record(summary());
    await new Promise((r) => setTimeout(r, 30)); // handed over, held by the thread
    expect(await backend.counts()).toEqual({ requests: 40, calls: 40 }); // any other call writes what it holds first
    for (let i = 0; i < 10; i++) ledger.record(summary());
    await ledger.flush();
    expect(await backend.counts()).toEqual({ requests: 50, calls: 50 });
    expect(ledger.written).toBe(100);
  });

  it("carries text that is not ASCII exactly, in batches that outgrow the first buffer", async () => {
    const backend = threaded({ flushIntervalMs: 20 });
    const ledger = await open(backend, { flushIntervalMs: 20, batchRows: 100_000 });
    const odd = ["équipe-日本", "ключ 🔑", "tab\there \"quoted\" \\ back", "x".repeat(40_000) + "ü"];
    const ids: string[] = [];
    for (let i = 0; i < 120; i++) {
      const s = summary();
      s.tenant = odd[i % odd.length]!;
      s.errorCode = odd[(i + 1) % odd.length]!;
      for (const r of s.records) r.tenant = s.tenant;
      ids.push(s.requestId);
      ledger.record(s);
    }
    await ledger.flush();
    expect(await backend.counts()).toEqual({ requests: 120, calls: 120 });
    for (const i of [0, 1, 2, 3, 118, 119]) {
      const { requests, calls } = await ledger.rowsOf(ids[i]!);
      expect(requests[0]).toMatchObject({ tenant: odd[i % odd.length], errorCode: odd[(i + 1) % odd.length] });
      expect(calls[0]!.tenant).toBe(odd[i % odd.length]);
    }
  });

  it("keeps batches whose write failed and stores them once when writes work again", async () => {
    const inner = threaded({ flushIntervalMs: 20 });
    let failures = 3;
    // The real backend, with its first writes failing as a full disk would make them.
    const flaky: LedgerBackend = Object.assign(Object.create(inner) as LedgerBackend, {
      insertSummaries: (batch: Uint8Array, commit: boolean, fresh: boolean) => (failures-- > 0 ? Promise.reject(new Error("disk I/O error")) : inner.insertSummaries(batch, commit, fresh)),
      close: () => inner.close(),
    });
    const errors: string[] = [];
    const ledger = await open(flaky, { flushIntervalMs: 20, onError: (e) => errors.push((e as Error).message) });
    for (let i = 0; i < 30; i++) ledger.record(summary());
    await expect.poll(() => ledger.failing, { timeout: 2000, interval: 5 }).toBe("disk I/O error");
    expect(ledger.pending()).toBeGreaterThan(0);
    for (let i = 0; i < 5; i++) await ledger.flush().catch(() => {});
    await ledger.flush();
    expect(ledger.failing).toBeUndefined();
    expect(ledger.pending()).toBe(0);
    expect(await inner.counts()).toEqual({ requests: 30, calls: 30 });
    expect(ledger.written).toBe(60);
    expect(errors[0]).toBe("disk I/O error");
  });

  it("inserts hand-offs as they come and commits them together; a failed insert undoes every batch not yet committed", async () => {
    // The thread's service itself, on a port of this thread (the SQLite file and statements are real).
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    serveLedger(port1, { path: join(mkdtempSync(join(tmpdir(), "octoroute-stage-")), "ledger.db"), flushIntervalMs: 60_000, batchRows: 100_000 });
    let next = 0;
    const replies = new Map<number, (m: { result?: unknown; error?: string }) => void>();
    port2.on("message", (m: { id: number; result?: unknown; error?: string }) => replies.get(m.id)?.(m));
    const call = (method: string, ...args: unknown[]) =>
      new Promise<{ result?: unknown; error?: string }>((resolve) => {
        const id = ++next;
        replies.set(id, resolve);
        port2.postMessage({ id, method, args });
      });
    const batch = (...summaries: RequestSummary[]) => new TextEncoder().encode(`[${summaries.map(summaryJson).join(",")}]`);
    await call("init");

    // Two hand-offs are inserted and held open: neither is answered before the commit.
    const first = call("insertSummaries", batch(summary(), summary()), false, false);
    const second = call("insertSummaries", batch(summary(2)), false, false);
    let answered = false;
    void Promise.race([first, second]).then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    // A third whose row breaks a constraint (no tenant) fails, and takes the two staged with it:
    // all three are answered with the error, so the request thread hands them over again.
    const broken = { ...summary(), tenant: null as unknown as string };
    const third = await call("insertSummaries", batch(broken), false, false);
    expect(third.error).toMatch(/NOT NULL/);
    expect((await first).error).toBe(third.error);
    expect((await second).error).toBe(third.error);
    expect((await call("counts")).result).toEqual({ requests: 0, calls: 0 });

    // Handed over again (without the broken one), they are stored once, in one commit.
    const again = [call("insertSummaries", batch(summary(), summary()), false, false), call("insertSummaries", batch(summary(2)), true, false)];
    expect((await Promise.all(again)).map((r) => r.error)).toEqual([undefined, undefined]);
    expect((await call("counts")).result).toEqual({ requests: 3, calls: 4 });
    await call("close");
  });
});
