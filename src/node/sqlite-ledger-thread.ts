/**
 * The SQLite ledger backend as seen from the main thread: every call goes to the background thread
 * (`sqlite-ledger-service.ts`, `background.ts`) that owns the ledger's SQLite file, so batched writes, usage
 * queries and retention deletes never run on the event loop that serves requests. Same contract
 * as every LedgerBackend; `close()` waits for the service to close the file, then closes its channel.
 *
 * If the thread dies, the calls in flight fail (the ledger keeps their rows and retries them) and
 * the next call starts a new thread and reopens the file (at most once a second). A batch the
 * thread had committed just before dying would be written again by that retry.
 */
import { type CallRow, LEDGER_DEFAULTS, type LedgerBackend, type RequestRow, type SpendRow, type UsageGroup, type UsageQuery } from "../telemetry/ledger/types.js";
import { openService, type ServiceChannel } from "./background.js";
import type { LedgerCall, LedgerServiceData } from "./sqlite-ledger-service.js";
import { TransientMap } from "../transient-map.js";

export class ThreadedSqliteLedger implements LedgerBackend {
  readonly kind = "sqlite";
  private channel: ServiceChannel;
  /** One entry per call in flight, i.e. per hand-off (a TransientMap: see why there). */
  private readonly waiting = new TransientMap<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private seq = 0;
  private exited: Error | undefined;
  private closing = false;
  private initialised = false;
  private lastStart = 0;

  /**
   * Summaries come over every 20 ms, or as soon as 100 rows (~50 requests) wait; the thread
   * inserts each hand-off as it comes and commits every `flushIntervalMs` or `batchRows`. Each
   * hand-off wakes the thread (a context switch on a busy host), so not more often: 5 ms cost
   * the thread ~2 µs more per request. Not much longer either: a batch that held 50 ms of
   * requests (~170 KB of JSON at 3,500 req/s) was allocated in the old generation directly,
   * doubling what the request thread promotes; and what the thread does per hand-off (rows,
   * spans) is a burst that takes a core from requests in flight on a small host, which showed
   * in their p99 at 250 requests a burst (`npm run bench:accounting`, 2026-11-30).
   */
  readonly handOffMs = 20;
  readonly handOffRows = 100;
  /** Whether span export on the same thread reads the summaries this ledger hands over (`summary-bus.ts`). */
  private publishing = false;

  publishSummaries(): void {
    this.publishing = true;
  }

  /** `path`: the ledger's SQLite file (`:memory:` keeps nothing). */
  constructor(
    readonly path: string,
    private readonly batching: { flushIntervalMs?: number; batchRows?: number } = {},
  ) {
    this.channel = this.connect();
  }

  private connect(): ServiceChannel {
    this.lastStart = Date.now();
    const data: LedgerServiceData = { path: this.path, flushIntervalMs: this.batching.flushIntervalMs ?? LEDGER_DEFAULTS.flushIntervalMs, batchRows: this.batching.batchRows ?? LEDGER_DEFAULTS.batchRows };
    const channel = openService(new URL("./sqlite-ledger-service.ts", import.meta.url), data);
    channel.port.on("message", (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else w.resolve(m.result);
    });
    channel.onExit((err) => {
      if (this.channel !== channel) return;
      this.exited = err;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
    return channel;
  }

  private call<T>(method: LedgerCall["method"], ...args: unknown[]): Promise<T> {
    if (this.exited) {
      if (this.closing || Date.now() - this.lastStart < 1000) return Promise.reject(this.exited);
      // A new thread reopens the file; its tables exist already, `init` only makes sure.
      this.exited = undefined;
      void this.channel.close();
      this.channel = this.connect();
      if (this.initialised && method !== "init") void this.call("init").catch(() => {});
    }
    if (method === "init") this.initialised = true;
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.channel.port.postMessage({ id, method, args } satisfies LedgerCall);
    });
  }

  init(): Promise<void> {
    return this.call("init");
  }
  insert(requests: RequestRow[], calls: CallRow[]): Promise<void> {
    return this.call("insert", requests, calls);
  }
  /** One string crosses to the background thread, which builds the rows there and writes them with its next batch. */
  insertSummaries(batch: Uint8Array, commit: boolean, fresh: boolean): Promise<void> {
    return this.call("insertSummaries", batch, commit, fresh && this.publishing);
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
    this.closing = true;
    if (!this.exited) await this.call("close").catch(() => {});
    await this.channel.close();
  }
}
