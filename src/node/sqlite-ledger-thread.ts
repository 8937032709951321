/**
 * The SQLite ledger backend as seen from the main thread: every call goes to a worker thread
 * (`sqlite-ledger-worker.ts`) that owns the ledger's SQLite file, so batched writes, usage
 * queries and retention deletes never run on the event loop that serves requests. Same contract
 * as every LedgerBackend; `close()` waits for the worker to close the file, then ends the thread.
 */
import type { Worker } from "node:worker_threads";
import type { CallRow, LedgerBackend, RequestRow, SpendRow, UsageGroup, UsageQuery } from "../telemetry/ledger/types.js";
import type { LedgerCall } from "./sqlite-ledger-worker.js";
import { startWorker } from "./worker.js";

export class ThreadedSqliteLedger implements LedgerBackend {
  readonly kind = "sqlite";
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private seq = 0;
  private exited: Error | undefined;

  /** `path`: the ledger's SQLite file (`:memory:` keeps nothing). */
  constructor(readonly path: string) {
    this.worker = startWorker(new URL("./sqlite-ledger-worker.ts", import.meta.url), { path });
    this.worker.on("message", (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    const fail = (err: Error) => {
      this.exited = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => fail(new Error(`ledger worker exited (${code})`)));
  }

  private call<T>(method: LedgerCall["method"], ...args: unknown[]): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args } satisfies LedgerCall);
    });
  }

  init(): Promise<void> {
    return this.call("init");
  }
  insert(requests: RequestRow[], calls: CallRow[]): Promise<void> {
    return this.call("insert", requests, calls);
  }
  /** One string crosses to the worker, which builds the rows there. */
  insertSummaries(summaries: string[]): Promise<void> {
    return this.call("insertSummaries", `[${summaries.join(",")}]`);
  }
  usage(q: UsageQuery): Promise<UsageGroup[]> {
    return this.call("usage", q);
  }
  spendSince(sinceMs: number): Promise<SpendRow[]> {
    return this.call("spendSince", sinceMs);
  }
  topRequests(q: Omit<UsageQuery, "groupBy">, limit: number): Promise<RequestRow[]> {
    return this.call("topRequests", q, limit);
  }
  rowsOf(requestId: string): Promise<{ requests: RequestRow[]; calls: CallRow[] }> {
    return this.call("rowsOf", requestId);
  }
  deleteBefore(beforeMs: number): Promise<number> {
    return this.call("deleteBefore", beforeMs);
  }
  counts(): Promise<{ requests: number; calls: number }> {
    return this.call("counts");
  }

  async close(): Promise<void> {
    if (!this.exited) await this.call("close").catch(() => {});
    await this.worker.terminate();
  }
}
