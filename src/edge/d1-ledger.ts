/**
 * The usage ledger on Cloudflare D1, for the Workers entry: the same tables, SQL and row shapes as
 * the embedded SQLite ledger (`ledger/sql.ts`, SQLite dialect), through D1's binding. A batch of
 * rows is one `batch()` call, which D1 runs as one transaction. D1 allows 100 bound parameters per
 * statement, so each row is its own INSERT inside the batch.
 */
import { assembleUsage, CALLS, callColumns, callFromRow, ddl, insertSql, REQUESTS, requestColumns, requestFromRow, rowsOfSql, SQLITE, spendSinceSql, topRequestsSql, usageLatencySql, usageSumsSql } from "../telemetry/ledger/sql.js";
import { schemaOnce } from "./d1-schema.js";
import type { CallRow, LedgerBackend, RequestRow, SpendRow, UsageGroup, UsageQuery } from "../telemetry/ledger/types.js";

type Row = Record<string, unknown>;

/** The parts of a D1 binding (`D1Database`) this backend uses. */
export interface D1DatabaseLike {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown[]>;
}
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all<T = Row>(): Promise<{ results: T[] }>;
  run(): Promise<{ meta: { changes?: number } }>;
}

/** Rows deleted per statement by the retention cleanup (one statement stays short). */
const DELETE_SLICE = 2000;

export class D1Ledger implements LedgerBackend {
  readonly kind = "d1";
  /** Creates the tables once per isolate (idempotent DDL), before the first write or query. */
  private readonly ready: () => Promise<void>;
  constructor(private readonly db: D1DatabaseLike) {
    this.ready = schemaOnce(db, ddl(SQLITE));
  }

  private async query(s: { sql: string; params: unknown[] }): Promise<Row[]> {
    await this.ready();
    return this.db
      .prepare(s.sql)
      .bind(...s.params)
      .all<Row>()
      .then((r) => r.results);
  }

  init(): Promise<void> {
    return this.ready();
  }

  async insert(requests: RequestRow[], calls: CallRow[]): Promise<void> {
    const statements = [
      ...requests.map((r) => insertSql(SQLITE, REQUESTS, requestColumns, [r])),
      ...calls.map((c) => insertSql(SQLITE, CALLS, callColumns, [c])),
    ].map((s) => this.db.prepare(s.sql).bind(...s.params));
    if (!statements.length) return;
    await this.ready();
    await this.db.batch(statements);
  }

  async usage(q: UsageQuery): Promise<UsageGroup[]> {
    const [sums, latencies] = await Promise.all([this.query(usageSumsSql(SQLITE, q)), this.query(usageLatencySql(SQLITE, q))]);
    return assembleUsage(q, sums, latencies);
  }

  async spendSince(sinceMs: number): Promise<SpendRow[]> {
    return (await this.query(spendSinceSql(SQLITE, sinceMs))).map((r) => ({ tenant: String(r.tenant), keyId: String(r.key_id), day: String(r.day), costUsd: Number(r.cost_usd) }));
  }

  async topRequests(q: Omit<UsageQuery, "groupBy">, limit: number): Promise<RequestRow[]> {
    return (await this.query(topRequestsSql(SQLITE, q, limit))).map(requestFromRow);
  }

  async rowsOf(requestId: string): Promise<{ requests: RequestRow[]; calls: CallRow[] }> {
    const [requests, calls] = await Promise.all([this.query({ sql: rowsOfSql(SQLITE, REQUESTS), params: [requestId] }), this.query({ sql: rowsOfSql(SQLITE, CALLS), params: [requestId] })]);
    return { requests: requests.map(requestFromRow), calls: calls.map(callFromRow) };
  }

  async deleteBefore(beforeMs: number): Promise<number> {
    await this.ready();
    let total = 0;
    for (const table of [REQUESTS, CALLS]) {
      for (;;) {
        const r = await this.db.prepare(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ts < ?1 LIMIT ${DELETE_SLICE})`).bind(beforeMs).run();
        const changes = r.meta.changes ?? 0;
        total += changes;
        if (changes < DELETE_SLICE) break;
      }
    }
    return total;
  }

  async counts(): Promise<{ requests: number; calls: number }> {
    const [r] = await this.query({ sql: `SELECT (SELECT COUNT(*) FROM ${REQUESTS}) AS requests, (SELECT COUNT(*) FROM ${CALLS}) AS calls`, params: [] });
    return { requests: Number(r?.requests ?? 0), calls: Number(r?.calls ?? 0) };
  }

  async close(): Promise<void> {}
}
