/**
 * Stored responses in the shared embedded database (the same SQLite file as the ledger), so a
 * conversation survives a restart. One row per response, keyed by (tenant, id): every query
 * names the tenant, so another tenant's id is simply not found. Node-only (node-sqlite3-wasm).
 */
import { MemoryResponseStore } from "../api/responses/memory-store.js";
import type { ResponseStore, StoredResponse } from "../api/responses/store.js";
import type { OctorouteConfig } from "../config/schema.js";
import { type Database, openDatabase } from "./database.js";

/** Expired rows are swept at most this often (and on `purgeExpired`). */
const SWEEP_EVERY_MS = 60_000;

export class SqliteResponseStore implements ResponseStore {
  private lastSweep = 0;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS responses (
      tenant TEXT NOT NULL,
      id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      body TEXT NOT NULL,
      PRIMARY KEY (tenant, id)
    )`);
    db.exec("CREATE INDEX IF NOT EXISTS responses_expires_at ON responses (expires_at) WHERE expires_at IS NOT NULL");
  }

  async put(record: StoredResponse): Promise<void> {
    const body = JSON.stringify({ response: record.response, input: record.input, instructions: record.instructions });
    this.db.run("INSERT OR REPLACE INTO responses (tenant, id, created_at, expires_at, body) VALUES (?, ?, ?, ?, ?)", [
      record.tenant,
      record.id,
      record.createdAt,
      record.expiresAt,
      body,
    ]);
    if (this.now() - this.lastSweep > SWEEP_EVERY_MS) await this.purgeExpired();
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    const row = this.db.get("SELECT created_at, expires_at, body FROM responses WHERE tenant = ? AND id = ? AND (expires_at IS NULL OR expires_at > ?)", [
      tenant,
      id,
      this.now(),
    ]) as { created_at: number; expires_at: number | null; body: string } | null;
    if (!row) return null;
    const body = JSON.parse(row.body) as Pick<StoredResponse, "response" | "input" | "instructions">;
    return { id, tenant, createdAt: Number(row.created_at), expiresAt: row.expires_at === null ? null : Number(row.expires_at), ...body };
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const res = this.db.run("DELETE FROM responses WHERE tenant = ? AND id = ? AND (expires_at IS NULL OR expires_at > ?)", [tenant, id, this.now()]);
    return res.changes > 0;
  }

  async purgeExpired(now = this.now()): Promise<number> {
    this.lastSweep = now;
    return this.db.run("DELETE FROM responses WHERE expires_at IS NOT NULL AND expires_at <= ?", [now]).changes;
  }
}

/** The store `responses.storage` asks for: the shared database file (default) or process memory. */
export function responseStoreFor(config: OctorouteConfig): ResponseStore {
  return config.responses.storage === "memory" ? new MemoryResponseStore() : new SqliteResponseStore(openDatabase(config.database.path));
}
