/**
 * Ledger backend on PostgreSQL (`ledger.url: postgres://...`), for deployments that keep usage in
 * a shared database. Node-only (the `pg` driver). Batches are written as multi-row INSERTs inside
 * one transaction; the pool is small because only the Ledger's flusher and the usage API use it.
 */
import pg from "pg";
import {
  assembleUsage,
  CALL_COLUMN_COUNT,
  CALLS,
  callFromRow,
  ddl,
  insertCalls,
  insertRequests,
  POSTGRES,
  REQUEST_COLUMN_COUNT,
  REQUESTS,
  requestFromRow,
  rowsOfSql,
  spendSinceSql,
  topRequestsSql,
  usageLatencySql,
  usageSumsSql,
} from "./sql.js";
import type { CallRow, LedgerBackend, RequestRow, SpendRow, UsageGroup, UsageQuery } from "./types.js";

/** PostgreSQL accepts at most 65535 parameters per statement. */
const MAX_PARAMS = 60_000;

export class PostgresLedger implements LedgerBackend {
  readonly kind = "postgres";
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
    // An idle client losing its connection must not crash the gateway; the next query reconnects.
    this.pool.on("error", () => {});
  }

  async init(): Promise<void> {
    // Concurrent first starts race on CREATE IF NOT EXISTS; an advisory lock serialises them.
    const client = await this.pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock(727274)");
      for (const stmt of ddl(POSTGRES)) await client.query(stmt);
    } finally {
      await client.query("SELECT pg_advisory_unlock(727274)").catch(() => {});
      client.release();
    }
  }

  async insert(requests: RequestRow[], calls: CallRow[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      for (const chunk of chunks(requests, Math.floor(MAX_PARAMS / REQUEST_COLUMN_COUNT))) {
        const s = insertRequests(POSTGRES, chunk);
        await client.query(s.sql, s.params);
      }
      for (const chunk of chunks(calls, Math.floor(MAX_PARAMS / CALL_COLUMN_COUNT))) {
        const s = insertCalls(POSTGRES, chunk);
        await client.query(s.sql, s.params);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async usage(q: UsageQuery): Promise<UsageGroup[]> {
    const sums = usageSumsSql(POSTGRES, q);
    const lat = usageLatencySql(POSTGRES, q);
    const [a, b] = await Promise.all([this.pool.query(sums.sql, sums.params), this.pool.query(lat.sql, lat.params)]);
    return assembleUsage(q, a.rows, b.rows);
  }

  async spendSince(sinceMs: number): Promise<SpendRow[]> {
    const s = spendSinceSql(POSTGRES, sinceMs);
    const { rows } = await this.pool.query(s.sql, s.params);
    return rows.map((r) => ({ tenant: String(r.tenant), keyId: String(r.key_id), day: String(r.day), costUsd: Number(r.cost_usd) }));
  }

  async topRequests(q: Omit<UsageQuery, "groupBy">, limit: number): Promise<RequestRow[]> {
    const s = topRequestsSql(POSTGRES, q, limit);
    const { rows } = await this.pool.query(s.sql, s.params);
    return rows.map(requestFromRow);
  }

  async rowsOf(requestId: string): Promise<{ requests: RequestRow[]; calls: CallRow[] }> {
    const [r, c] = await Promise.all([this.pool.query(rowsOfSql(POSTGRES, REQUESTS), [requestId]), this.pool.query(rowsOfSql(POSTGRES, CALLS), [requestId])]);
    return { requests: r.rows.map(requestFromRow), calls: c.rows.map(callFromRow) };
  }

  async deleteBefore(beforeMs: number): Promise<number> {
    let total = 0;
    for (const table of ["octoroute_requests", "octoroute_calls"]) {
      for (;;) {
        const r = await this.pool.query(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE ts < $1 LIMIT 5000)`, [beforeMs]);
        total += r.rowCount ?? 0;
        if ((r.rowCount ?? 0) < 5000) break;
      }
    }
    return total;
  }

  async counts(): Promise<{ requests: number; calls: number }> {
    const { rows } = await this.pool.query("SELECT (SELECT COUNT(*) FROM octoroute_requests)::float8 AS requests, (SELECT COUNT(*) FROM octoroute_calls)::float8 AS calls");
    return { requests: Number(rows[0].requests), calls: Number(rows[0].calls) };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function* chunks<T>(rows: T[], size: number): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
}
