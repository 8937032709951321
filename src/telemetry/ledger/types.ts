/**
 * The usage ledger's contract: the two row kinds (one per client request, one per upstream call),
 * the usage query the API and dashboard ask, and the backend interface that SQLite, PostgreSQL
 * (and later D1) implement with the same semantics. The shared test suite runs against each one.
 */

/**
 * How often the ledger commits by default: one transaction at most every 100 ms, or as soon as
 * 500 rows wait; a hard crash loses at most that window. (The SQLite ledger inserts rows as they
 * are handed over and only commits on this schedule: `src/node/sqlite-ledger-service.ts`.)
 */
export const LEDGER_DEFAULTS = { flushIntervalMs: 100, batchRows: 500 } as const;

/** One row per client request (whatever its outcome, rejected ones included). */
export interface RequestRow {
  /** Start of the request, ms since the epoch. */
  ts: number;
  requestId: string;
  tenant: string;
  keyId: string;
  endpoint: string;
  route: string | null;
  strategy: string;
  /** Node that answered (or the planned one when nothing answered). */
  model: string | null;
  status: number;
  errorCode: string | null;
  stream: boolean;
  /** Upstream calls the request made. */
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  /** USD; null when a call had no known price (never a silent 0). */
  costUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
}

/** One row per upstream call (retries of one call are one row, `attempts` counts them). */
export interface CallRow {
  ts: number;
  requestId: string;
  /** Position of the call within its request (0-based). */
  seq: number;
  tenant: string;
  keyId: string;
  route: string | null;
  strategy: string;
  model: string;
  provider: string;
  operation: string;
  /** answer / router / verifier / judge / ... */
  purpose: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
  status: string;
  /** Error class (GatewayError code) when the call failed. */
  errorCode: string | null;
  attempts: number;
  streamed: boolean;
  responseModel: string | null;
}

export const GROUP_BY = ["tenant", "model", "route", "strategy", "day", "hour"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface UsageQuery {
  /** Inclusive, ms since the epoch. */
  from: number;
  /** Exclusive, ms since the epoch. */
  to: number;
  /** Dimensions to group by (none → one total). */
  groupBy: GroupBy[];
  /** Restrict to one tenant (always set for tenant keys). */
  tenant?: string;
}

/** Totals of one group of request rows. */
export interface UsageGroup {
  group: Partial<Record<GroupBy, string | null>>;
  requests: number;
  /** Requests that ended with status >= 400. */
  errors: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  /** Sum over priced requests. */
  costUsd: number;
  /** Requests whose cost is unknown (a model without a price); their cost is not in `costUsd`. */
  unpricedRequests: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

/** Spend of one tenant key on one UTC day, for rebuilding budget counters after a restart. */
export interface SpendRow {
  tenant: string;
  keyId: string;
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  costUsd: number;
}

/** A backend stores rows and answers queries; batching and timing live in `Ledger`. */
export interface LedgerBackend {
  readonly kind: string;
  /** Creates tables and indexes when missing. */
  init(): Promise<void>;
  /** Writes both row kinds in one transaction. */
  insert(requests: RequestRow[], calls: CallRow[]): Promise<void>;
  /**
   * Takes the rows of finished requests as one JSON array of `summaryJson` strings and stores
   * them with the batches it holds, on its own schedule (its flush interval or batch size), or
   * at once when `commit` is set (everything it holds). Resolves when the batch is stored.
   * Backends on another thread implement it: the thread that serves requests then ships one
   * string per few ms instead of building and cloning row objects, and waits for no write.
   * `fresh`: handed over for the first time (not again after a failed write), for backends that
   * also pass the summaries on to other readers (span export, `summary-bus.ts`) exactly once.
   */
  insertSummaries?(batch: Uint8Array, commit: boolean, fresh: boolean): Promise<void>;
  /** How often `Ledger` hands summaries to `insertSummaries` (default: the flush interval). */
  readonly handOffMs?: number;
  /** Rows that make `Ledger` hand summaries over at once (default: the batch size). */
  readonly handOffRows?: number;
  /** From now on, pass fresh summaries on to the background thread's other readers (`summary-bus.ts`). */
  publishSummaries?(): void;
  usage(query: UsageQuery): Promise<UsageGroup[]>;
  /** Spend per tenant, key and UTC day for requests at or after `sinceMs`. */
  spendSince(sinceMs: number): Promise<SpendRow[]>;
  /** The most expensive requests in a window (dashboard table). */
  topRequests(query: Omit<UsageQuery, "groupBy">, limit: number): Promise<RequestRow[]>;
  /** The stored rows of one request id (client ids may repeat: every match, oldest first). A scan: the ledger indexes time, not request ids (see `ddl`); for tests and debugging. */
  rowsOf(requestId: string): Promise<{ requests: RequestRow[]; calls: CallRow[] }>;
  /** Deletes rows older than `beforeMs`; returns how many rows went. */
  deleteBefore(beforeMs: number): Promise<number>;
  counts(): Promise<{ requests: number; calls: number }>;
  close(): Promise<void>;
}
