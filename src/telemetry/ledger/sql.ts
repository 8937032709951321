/**
 * The ledger's SQL, shared by the SQL backends: table layout, insert column order and the usage
 * query. Dialects differ only in placeholders, types and date bucketing, so both backends answer
 * the same query the same way. Percentiles are computed here (nearest rank) from the latencies
 * the query returns, because SQLite has no percentile function.
 */
import type { CallRow, GroupBy, RequestRow, UsageGroup, UsageQuery } from "./types.js";

export interface Dialect {
  name: "sqlite" | "postgres";
  /** Placeholder for the i-th (1-based) parameter. */
  param(i: number): string;
  /** Expression formatting a ms-epoch column as a UTC day / hour bucket. */
  bucket(column: string, unit: "day" | "hour"): string;
  real: string;
  bigint: string;
  autoId: string;
}

export const SQLITE: Dialect = {
  name: "sqlite",
  param: () => "?",
  bucket: (c, unit) => (unit === "day" ? `strftime('%Y-%m-%d', ${c} / 1000, 'unixepoch')` : `strftime('%Y-%m-%dT%H:00Z', ${c} / 1000, 'unixepoch')`),
  real: "REAL",
  bigint: "INTEGER",
  autoId: "INTEGER PRIMARY KEY AUTOINCREMENT",
};

export const POSTGRES: Dialect = {
  name: "postgres",
  param: (i) => `$${i}`,
  bucket: (c, unit) =>
    unit === "day"
      ? `to_char(to_timestamp(${c} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
      : `to_char(to_timestamp(${c} / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24":00Z"')`,
  real: "DOUBLE PRECISION",
  bigint: "BIGINT",
  autoId: "BIGSERIAL PRIMARY KEY",
};

export const REQUESTS = "octoroute_requests";
export const CALLS = "octoroute_calls";

/** Column name → how to read it from a row, in insert order. */
const REQUEST_COLUMNS: Array<[string, (r: RequestRow) => unknown, "int" | "real" | "text"]> = [
  ["ts", (r) => r.ts, "int"],
  ["request_id", (r) => r.requestId, "text"],
  ["tenant", (r) => r.tenant, "text"],
  ["key_id", (r) => r.keyId, "text"],
  ["endpoint", (r) => r.endpoint, "text"],
  ["route", (r) => r.route, "text"],
  ["strategy", (r) => r.strategy, "text"],
  ["model", (r) => r.model, "text"],
  ["status", (r) => r.status, "int"],
  ["error_code", (r) => r.errorCode, "text"],
  ["stream", (r) => (r.stream ? 1 : 0), "int"],
  ["calls", (r) => r.calls, "int"],
  ["input_tokens", (r) => r.inputTokens, "int"],
  ["output_tokens", (r) => r.outputTokens, "int"],
  ["cached_tokens", (r) => r.cachedTokens, "int"],
  ["cache_write_tokens", (r) => r.cacheWriteTokens, "int"],
  ["cost_usd", (r) => r.costUsd, "real"],
  ["latency_ms", (r) => r.latencyMs, "real"],
  ["ttft_ms", (r) => r.ttftMs, "real"],
];

const CALL_COLUMNS: Array<[string, (r: CallRow) => unknown, "int" | "real" | "text"]> = [
  ["ts", (r) => r.ts, "int"],
  ["request_id", (r) => r.requestId, "text"],
  ["seq", (r) => r.seq, "int"],
  ["tenant", (r) => r.tenant, "text"],
  ["key_id", (r) => r.keyId, "text"],
  ["route", (r) => r.route, "text"],
  ["strategy", (r) => r.strategy, "text"],
  ["model", (r) => r.model, "text"],
  ["provider", (r) => r.provider, "text"],
  ["operation", (r) => r.operation, "text"],
  ["purpose", (r) => r.purpose, "text"],
  ["input_tokens", (r) => r.inputTokens, "int"],
  ["output_tokens", (r) => r.outputTokens, "int"],
  ["cached_tokens", (r) => r.cachedTokens, "int"],
  ["cache_write_tokens", (r) => r.cacheWriteTokens, "int"],
  ["cost_usd", (r) => r.costUsd, "real"],
  ["latency_ms", (r) => r.latencyMs, "real"],
  ["ttft_ms", (r) => r.ttftMs, "real"],
  ["status", (r) => r.status, "text"],
  ["error_code", (r) => r.errorCode, "text"],
  ["attempts", (r) => r.attempts, "int"],
  ["streamed", (r) => (r.streamed ? 1 : 0), "int"],
  ["response_model", (r) => r.responseModel, "text"],
];

export const REQUEST_COLUMN_COUNT = REQUEST_COLUMNS.length;
export const CALL_COLUMN_COUNT = CALL_COLUMNS.length;

function columnType(d: Dialect, kind: "int" | "real" | "text", name: string): string {
  if (kind === "text") return name === "request_id" || name === "tenant" || name === "key_id" || name === "strategy" || name === "endpoint" ? "TEXT NOT NULL" : "TEXT";
  if (kind === "real") return name === "cost_usd" || name === "ttft_ms" ? d.real : `${d.real} NOT NULL`;
  return `${name === "ts" ? d.bigint : "INTEGER"} NOT NULL`;
}

/**
 * CREATE TABLE / INDEX statements (idempotent).
 *
 * Only time-ordered indexes: rows arrive in time order, so their keys land on the index's last
 * pages. An index on `request_id` stays cheap only while ids are the gateway's own time-ordered
 * ones (+12% per row); with ids a client or an ingress proxy sent as `x-request-id` (random, and
 * echoed) every row landed on a random page: by a million rows 2.8× the cost per row, and growing
 * with the table (`bench/ledger-growth.ts`). Ledgers made before drop it here. To find a
 * request's rows fast, bound `ts` as well.
 */
export function ddl(d: Dialect): string[] {
  const table = (name: string, cols: Array<[string, unknown, "int" | "real" | "text"]>) =>
    `CREATE TABLE IF NOT EXISTS ${name} (id ${d.autoId}, ${cols.map(([c, , k]) => `${c} ${columnType(d, k, c)}`).join(", ")})`;
  return [
    table(REQUESTS, REQUEST_COLUMNS),
    table(CALLS, CALL_COLUMNS),
    `CREATE INDEX IF NOT EXISTS ${REQUESTS}_ts ON ${REQUESTS} (ts)`,
    `CREATE INDEX IF NOT EXISTS ${REQUESTS}_tenant_ts ON ${REQUESTS} (tenant, ts)`,
    `CREATE INDEX IF NOT EXISTS ${CALLS}_ts ON ${CALLS} (ts)`,
    `DROP INDEX IF EXISTS ${CALLS}_request`,
  ];
}

/** `INSERT ... VALUES (...), (...)` for `rows` rows, with parameters flattened in order. */
export function insertSql<R>(d: Dialect, table: string, columns: Array<[string, (r: R) => unknown, unknown]>, rows: R[]): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples = rows.map((r) => `(${columns.map(([, get]) => {
    const v = get(r);
    params.push(v === undefined ? null : v);
    return d.param(params.length);
  }).join(", ")})`);
  return { sql: `INSERT INTO ${table} (${columns.map(([c]) => c).join(", ")}) VALUES ${tuples.join(", ")}`, params };
}

export const insertRequests = (d: Dialect, rows: RequestRow[]) => insertSql(d, REQUESTS, REQUEST_COLUMNS, rows);
export const insertCalls = (d: Dialect, rows: CallRow[]) => insertSql(d, CALLS, CALL_COLUMNS, rows);

/** Column names in insert order (SQLite prepares one statement per row with them). */
export const requestColumns = REQUEST_COLUMNS;
export const callColumns = CALL_COLUMNS;

function groupExpr(d: Dialect, g: GroupBy): string {
  if (g === "day" || g === "hour") return d.bucket("ts", g);
  return g;
}

function where(d: Dialect, q: Pick<UsageQuery, "from" | "to" | "tenant">): { sql: string; params: unknown[] } {
  const params: unknown[] = [q.from, q.to];
  let sql = `ts >= ${d.param(1)} AND ts < ${d.param(2)}`;
  if (q.tenant !== undefined) {
    params.push(q.tenant);
    sql += ` AND tenant = ${d.param(3)}`;
  }
  return { sql, params };
}

/** Sums per group; columns g0..gN hold the group values. */
export function usageSumsSql(d: Dialect, q: UsageQuery): { sql: string; params: unknown[] } {
  const w = where(d, q);
  const keys = q.groupBy.map((g, i) => `${groupExpr(d, g)} AS g${i}`);
  const num = (e: string) => `CAST(${e} AS ${d.real})`;
  const select = [
    ...keys,
    `${num("COUNT(*)")} AS requests`,
    `${num("SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END)")} AS errors`,
    `${num("SUM(calls)")} AS calls`,
    `${num("SUM(input_tokens)")} AS input_tokens`,
    `${num("SUM(output_tokens)")} AS output_tokens`,
    `${num("SUM(cached_tokens)")} AS cached_tokens`,
    `${num("SUM(cache_write_tokens)")} AS cache_write_tokens`,
    `${num("COALESCE(SUM(cost_usd), 0)")} AS cost_usd`,
    `${num("SUM(CASE WHEN cost_usd IS NULL AND calls > 0 THEN 1 ELSE 0 END)")} AS unpriced`,
  ];
  const groupBy = q.groupBy.length ? ` GROUP BY ${q.groupBy.map((_, i) => `g${i}`).join(", ")} ORDER BY ${q.groupBy.map((_, i) => `g${i}`).join(", ")}` : "";
  return { sql: `SELECT ${select.join(", ")} FROM ${REQUESTS} WHERE ${w.sql}${groupBy}`, params: w.params };
}

/** Latencies per group, for percentiles. */
export function usageLatencySql(d: Dialect, q: UsageQuery): { sql: string; params: unknown[] } {
  const w = where(d, q);
  const keys = q.groupBy.map((g, i) => `${groupExpr(d, g)} AS g${i}`);
  return { sql: `SELECT ${[...keys, `CAST(latency_ms AS ${d.real}) AS latency_ms`].join(", ")} FROM ${REQUESTS} WHERE ${w.sql}`, params: w.params };
}

export function topRequestsSql(d: Dialect, q: Pick<UsageQuery, "from" | "to" | "tenant">, limit: number): { sql: string; params: unknown[] } {
  const w = where(d, q);
  const cols = REQUEST_COLUMNS.map(([c, , k]) => (k === "text" ? c : `CAST(${c} AS ${d.real}) AS ${c}`));
  return {
    sql: `SELECT ${cols.join(", ")} FROM ${REQUESTS} WHERE ${w.sql} AND cost_usd IS NOT NULL ORDER BY cost_usd DESC, ts DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    params: w.params,
  };
}

export function spendSinceSql(d: Dialect, sinceMs: number): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT tenant, key_id, ${d.bucket("ts", "day")} AS day, CAST(COALESCE(SUM(cost_usd), 0) AS ${d.real}) AS cost_usd FROM ${REQUESTS} WHERE ts >= ${d.param(1)} GROUP BY tenant, key_id, day`,
    params: [sinceMs],
  };
}

type Row = Record<string, unknown>;
const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** Joins the sums and the latencies of the two queries into UsageGroups. */
export function assembleUsage(q: UsageQuery, sums: Row[], latencies: Row[]): UsageGroup[] {
  const keyOf = (r: Row) => JSON.stringify(q.groupBy.map((_, i) => r[`g${i}`] ?? null));
  const lat = new Map<string, number[]>();
  for (const r of latencies) {
    const k = keyOf(r);
    let list = lat.get(k);
    if (!list) lat.set(k, (list = []));
    list.push(n(r.latency_ms));
  }
  return sums
    .filter((r) => n(r.requests) > 0)
    .map((r) => {
      const sorted = (lat.get(keyOf(r)) ?? []).sort((a, b) => a - b);
      const group: UsageGroup["group"] = {};
      q.groupBy.forEach((g, i) => (group[g] = (r[`g${i}`] as string | null) ?? null));
      return {
        group,
        requests: n(r.requests),
        errors: n(r.errors),
        calls: n(r.calls),
        inputTokens: n(r.input_tokens),
        outputTokens: n(r.output_tokens),
        cachedTokens: n(r.cached_tokens),
        cacheWriteTokens: n(r.cache_write_tokens),
        costUsd: Math.round(n(r.cost_usd) * 1e10) / 1e10,
        unpricedRequests: n(r.unpriced),
        latencyP50Ms: percentile(sorted, 50),
        latencyP95Ms: percentile(sorted, 95),
      };
    });
}

export function rowsOfSql(d: Dialect, table: typeof REQUESTS | typeof CALLS): string {
  const cols = (table === REQUESTS ? REQUEST_COLUMNS : CALL_COLUMNS).map(([c, , k]) => (k === "text" ? c : `CAST(${c} AS ${d.real}) AS ${c}`));
  return `SELECT ${cols.join(", ")} FROM ${table} WHERE request_id = ${d.param(1)} ORDER BY id`;
}

/** A stored call row back to its TypeScript shape. */
export function callFromRow(r: Row): CallRow {
  const nullableNum = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    ts: n(r.ts),
    requestId: String(r.request_id),
    seq: n(r.seq),
    tenant: String(r.tenant),
    keyId: String(r.key_id),
    route: (r.route as string | null) ?? null,
    strategy: String(r.strategy),
    model: String(r.model),
    provider: String(r.provider),
    operation: String(r.operation),
    purpose: String(r.purpose),
    inputTokens: n(r.input_tokens),
    outputTokens: n(r.output_tokens),
    cachedTokens: n(r.cached_tokens),
    cacheWriteTokens: n(r.cache_write_tokens),
    costUsd: nullableNum(r.cost_usd),
    latencyMs: n(r.latency_ms),
    ttftMs: nullableNum(r.ttft_ms),
    status: String(r.status),
    errorCode: (r.error_code as string | null) ?? null,
    attempts: n(r.attempts),
    streamed: n(r.streamed) === 1,
    responseModel: (r.response_model as string | null) ?? null,
  };
}

/** A stored request row back to its TypeScript shape. */
export function requestFromRow(r: Row): RequestRow {
  const nullableNum = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    ts: n(r.ts),
    requestId: String(r.request_id),
    tenant: String(r.tenant),
    keyId: String(r.key_id),
    endpoint: String(r.endpoint),
    route: (r.route as string | null) ?? null,
    strategy: String(r.strategy),
    model: (r.model as string | null) ?? null,
    status: n(r.status),
    errorCode: (r.error_code as string | null) ?? null,
    stream: n(r.stream) === 1,
    calls: n(r.calls),
    inputTokens: n(r.input_tokens),
    outputTokens: n(r.output_tokens),
    cachedTokens: n(r.cached_tokens),
    cacheWriteTokens: n(r.cache_write_tokens),
    costUsd: nullableNum(r.cost_usd),
    latencyMs: n(r.latency_ms),
    ttftMs: nullableNum(r.ttft_ms),
  };
}
