/**
 * The usage ledger: takes finished requests from the pipeline's `onRequestEnd` hook, queues their
 * rows in memory and writes them to the backend in batches (every `flushIntervalMs`, or at once
 * when `batchRows` are waiting), so no request ever waits for a database write. `close()` flushes
 * what is queued; a hard crash loses at most what was queued (one flush window). A background
 * retention cleanup deletes old rows in small slices. Runtime-agnostic: backends do the I/O.
 */
import { drainAfterResponse } from "../../api/after-response.js";
import type { RequestSummary } from "../../api/hooks.js";
import { summaryJson } from "../summary-json.js";
import { callRows, requestRow } from "./rows.js";
import { type CallRow, LEDGER_DEFAULTS, type LedgerBackend, type RequestRow, type SpendRow, type UsageGroup, type UsageQuery } from "./types.js";
import { TransientMap } from "../../transient-map.js";

export interface LedgerOptions {
  flushIntervalMs?: number;
  batchRows?: number;
  retentionDays?: number;
  retentionIntervalMs?: number;
  /** Reports write failures (rows are kept and retried on the next flush). */
  onError?: (err: unknown) => void;
  now?: () => number;
}

const utf8 = new TextEncoder();
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/** Rows kept in memory when the backend keeps failing, so a dead database can't exhaust memory. */
const MAX_QUEUED_ROWS = 200_000;

export class Ledger {
  private requests: RequestRow[] = [];
  private calls: CallRow[] = [];
  /**
   * Finished requests as JSON, for backends that take them (`insertSummaries`): UTF-8, joined by
   * commas, in a buffer outside the JavaScript heap, and their row count. Held as strings (until
   * the hand-off, then the batch until it is stored, ~50 ms), they were the largest thing alive at
   * each young-generation GC that the bare gateway does not have: copied by every GC they outlived,
   * then promoted. Bytes off the heap cost those GCs nothing.
   */
  private summaryBytes = new Uint8Array(0);
  private summaryLength = 0;
  private summaryRows = 0;
  /** Batches handed to such a backend and not yet stored (kept to hand over again if that fails). */
  private inFlight = new TransientMap<number, Promise<void>>();
  private sent = 0;
  private inFlightRows = 0;
  /** Batches whose write failed, handed over again at the next flush. */
  private retry: Array<{ batch: Uint8Array; rows: number }> = [];
  private retryRows = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retentionTimer: ReturnType<typeof setInterval> | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Rows dropped because the queue overflowed while the backend was failing. */
  dropped = 0;
  /** Rows written since start. */
  written = 0;
  /** The last write's error while writes keep failing; cleared by the next write that succeeds. */
  failing: string | undefined;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;

  constructor(
    readonly backend: LedgerBackend,
    private readonly opts: LedgerOptions = {},
  ) {
    this.flushIntervalMs = opts.flushIntervalMs ?? LEDGER_DEFAULTS.flushIntervalMs;
    this.batchRows = opts.batchRows ?? LEDGER_DEFAULTS.batchRows;
    if (opts.retentionDays !== undefined) {
      this.retentionTimer = setInterval(() => void this.cleanup().catch((e) => opts.onError?.(e)), opts.retentionIntervalMs ?? 3_600_000);
      unref(this.retentionTimer);
    }
  }

  /** Queues the rows of one finished request. Never throws, never blocks. */
  record(summary: RequestSummary): void {
    if (this.closed) return;
    if (this.pending() >= MAX_QUEUED_ROWS) {
      this.dropped += 1 + summary.records.length;
      return;
    }
    if (this.backend.insertSummaries) {
      this.appendSummary(summaryJson(summary));
      this.summaryRows += 1 + summary.records.length;
      // Handed over every few ms, in small batches: held here longer, each summary outlives a
      // young-generation GC or two, and a 100 ms batch joined into one string is large enough
      // to be allocated in the old generation. The backend batches its own writes.
      if (this.summaryRows >= (this.backend.handOffRows ?? this.batchRows)) this.handOff(false);
      else if (!this.timer) {
        this.timer = setTimeout(() => void this.handOff(false), this.backend.handOffMs ?? this.flushIntervalMs);
        unref(this.timer);
      }
      return;
    } else {
      this.requests.push(requestRow(summary));
      for (const c of callRows(summary)) this.calls.push(c);
    }
    const queued = this.pending();
    if (queued >= this.batchRows) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
      unref(this.timer);
    }
  }

  private appendSummary(json: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8; one more for the comma.
    const room = json.length * 3 + 1;
    if (this.summaryLength + room > this.summaryBytes.length) {
      const grown = new Uint8Array(Math.max(64 * 1024, 2 * (this.summaryLength + room)));
      grown.set(this.summaryBytes.subarray(0, this.summaryLength));
      this.summaryBytes = grown;
    }
    if (this.summaryLength) this.summaryBytes[this.summaryLength++] = COMMA;
    this.summaryLength += utf8.encodeInto(json, this.summaryBytes.subarray(this.summaryLength)).written;
  }

  /** Writes everything queued so far; resolves when it is stored (or the attempt failed). */
  flush(): Promise<void> {
    // Closed: everything was written by close(); the backend is gone.
    if (this.closed) return this.writing;
    // Requests that finished but whose accounting waits for the check phase are included.
    drainAfterResponse();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writeQueued());
    return this.writing;
  }

  /**
   * Hands the queued summaries to the backend as one batch (`commit`: and has it store everything
   * it holds now). Never chained behind earlier batches: the backend keeps them in order.
   */
  private handOff(commit: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Batches that failed go again first, as they were (not fresh: read once already).
    const retried = this.retry.splice(0).map(({ batch, rows }) => {
      this.retryRows -= rows;
      return this.send(batch, rows, false, false);
    });
    if (!this.summaryLength && !commit) return Promise.all(retried).then(() => {});
    // `[` + the summaries + `]`: one JSON array, in a buffer of its own (the backend may keep it).
    const batch = new Uint8Array(this.summaryLength + 2);
    batch[0] = OPEN;
    batch.set(this.summaryBytes.subarray(0, this.summaryLength), 1);
    batch[this.summaryLength + 1] = CLOSE;
    const rows = this.summaryRows;
    this.summaryLength = 0;
    this.summaryRows = 0;
    return Promise.all([...retried, this.send(batch, rows, commit, true)]).then(() => {});
  }

  /** One batch to the backend; kept for another hand-off if its write fails. */
  private send(batch: Uint8Array, rows: number, commit: boolean, fresh: boolean): Promise<void> {
    this.inFlightRows += rows;
    const stored = this.backend.insertSummaries!(batch, commit, fresh).then(
      () => {
        this.written += rows;
        this.failing = undefined;
      },
      (err) => {
        if (rows) {
          this.retry.push({ batch, rows });
          this.retryRows += rows;
        }
        this.retryLater(err);
      },
    );
    const n = ++this.sent;
    const done = stored.finally(() => {
      this.inFlightRows -= rows;
      this.inFlight.delete(n);
    });
    this.inFlight.set(n, done);
    return done;
  }

  private async writeQueued(): Promise<void> {
    if (this.backend.insertSummaries) {
      // What is queued (and what failed before), then wait until everything handed over is stored.
      await this.handOff(true);
      await Promise.all(this.inFlight.values());
      return;
    }
    if (!this.requests.length && !this.calls.length) return;
    const requests = this.requests;
    const calls = this.calls;
    this.requests = [];
    this.calls = [];
    try {
      await this.backend.insert(requests, calls);
      this.written += requests.length + calls.length;
      this.failing = undefined;
    } catch (err) {
      // Put the batch back in front and try again on the next flush.
      this.requests = requests.concat(this.requests);
      this.calls = calls.concat(this.calls);
      this.retryLater(err);
    }
  }

  private retryLater(err: unknown): void {
    this.failing = (err as Error)?.message ?? String(err);
    this.opts.onError?.(err);
    if (!this.closed && !this.timer) {
      this.timer = setTimeout(() => void this.flush(), Math.max(this.flushIntervalMs, 1000));
      unref(this.timer);
    }
  }

  /** Rows waiting in memory (what a crash right now would lose). */
  pending(): number {
    return this.requests.length + this.calls.length + this.summaryRows + this.inFlightRows + this.retryRows;
  }

  /** Usage totals; flushes first so the answer includes requests that just finished. */
  async usage(q: UsageQuery): Promise<UsageGroup[]> {
    await this.flush();
    return this.backend.usage(q);
  }

  async topRequests(q: Omit<UsageQuery, "groupBy">, limit: number): Promise<RequestRow[]> {
    await this.flush();
    return this.backend.topRequests(q, limit);
  }

  /** Stored rows of one request id (flushes first). */
  async rowsOf(requestId: string): Promise<{ requests: RequestRow[]; calls: CallRow[] }> {
    await this.flush();
    return this.backend.rowsOf(requestId);
  }

  async spendSince(sinceMs: number): Promise<SpendRow[]> {
    await this.flush();
    return this.backend.spendSince(sinceMs);
  }

  /** Deletes rows older than the retention period. */
  async cleanup(): Promise<number> {
    if (this.opts.retentionDays === undefined) return 0;
    const now = (this.opts.now ?? Date.now)();
    return this.backend.deleteBefore(now - this.opts.retentionDays * 86_400_000);
  }

  /** Stops accepting rows, writes what is queued and closes the backend. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.retentionTimer);
    if (this.pending()) await this.writeQueued();
    await this.backend.close();
  }
}

function unref(t: unknown): void {
  (t as { unref?: () => void } | undefined)?.unref?.();
}
