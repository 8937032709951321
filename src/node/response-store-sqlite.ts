/**
 * Stored responses in the shared embedded database (the same SQLite file as the ledger), so a
 * conversation survives a restart. One row per response, keyed by (tenant, id): every query
 * names the tenant, so another tenant's id is simply not found. Node-only (node-sqlite3-wasm).
 *
 * Writes are batched off the request path, like the ledger's: a commit costs a file sync
 * (measured ~3 ms per single-row commit here vs ~0.35 ms per row in one transaction), and SQLite
 * here is synchronous WebAssembly, so a commit per response would stall the event loop for
 * every request. Pending writes are served from memory until flushed (a GET right after a create
 * finds the response), flushed every few milliseconds and on `close()`.
 */
import type { Statement } from "node-sqlite3-wasm";
import { MemoryResponseStore } from "../api/responses/memory-store.js";
import type { ResponseStore, StoredResponse } from "../api/responses/store.js";
import { DELETE_RESPONSE, fromResponseRow, RESPONSES_DDL, type ResponseRow, SELECT_RESPONSE, SWEEP_RESPONSES, UPSERT_RESPONSE, upsertParams } from "../api/responses/store-sql.js";
import type { OctorouteConfig } from "../config/schema.js";
import { type Database, openDatabase, transaction } from "./database.js";

/** Expired rows are swept at most this often (and on `purgeExpired`). */
const SWEEP_EVERY_MS = 60_000;
/** How long a write may wait to join a batch. */
const FLUSH_AFTER_MS = 5;

/** A pending delete. */
type Tombstone = { tenant: string; id: string; deleted: true };

export class SqliteResponseStore implements ResponseStore {
  private lastSweep = 0;
  private readonly pending = new Map<string, StoredResponse | Tombstone>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly upsert: Statement;
  private readonly select: Statement;
  private readonly remove: Statement;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {
    for (const ddl of RESPONSES_DDL) db.exec(ddl);
    this.upsert = db.prepare(UPSERT_RESPONSE);
    this.select = db.prepare(SELECT_RESPONSE);
    this.remove = db.prepare(DELETE_RESPONSE);
  }

  private key(tenant: string, id: string): string {
    return `${tenant}\u0000${id}`;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      try {
        this.flush();
      } catch (err) {
        // A failing write must not take the process down; those responses are simply not kept.
        console.error("[responses] could not write stored responses:", (err as Error).message);
      }
    }, FLUSH_AFTER_MS);
    this.timer.unref?.();
  }

  /** Writes every pending change in one transaction. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    transaction(this.db, () => {
      for (const r of batch) {
        if ("deleted" in r) this.remove.run([r.tenant, r.id]);
        else this.upsert.run(upsertParams(r));
      }
    });
    if (this.now() - this.lastSweep > SWEEP_EVERY_MS) this.sweep(this.now());
  }

  async put(record: StoredResponse): Promise<void> {
    this.pending.set(this.key(record.tenant, record.id), structuredClone(record));
    this.schedule();
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    const live = (r: StoredResponse) => r.expiresAt === null || r.expiresAt > this.now();
    const waiting = this.pending.get(this.key(tenant, id));
    if (waiting) return "deleted" in waiting || !live(waiting) ? null : structuredClone(waiting);
    const row = this.select.get([tenant, id]) as ResponseRow | null;
    return row ? fromResponseRow(tenant, id, row, this.now()) : null;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const existed = (await this.get(tenant, id)) !== null;
    this.pending.set(this.key(tenant, id), { tenant, id, deleted: true });
    this.schedule();
    return existed;
  }

  private sweep(now: number): number {
    this.lastSweep = now;
    return this.db.run(SWEEP_RESPONSES, [now]).changes;
  }

  async purgeExpired(now = this.now()): Promise<number> {
    this.flush();
    return this.sweep(now);
  }

  /** Writes what is pending and releases the statements (the database belongs to whoever opened it). */
  async close(): Promise<void> {
    this.flush();
    for (const s of [this.upsert, this.select, this.remove]) s.finalize();
  }
}

/** The store `responses.storage` asks for: the shared database file (default) or process memory. */
/**
 * The configured response store. The SQLite one opens the database on first use: an open SQLite
 * (WebAssembly memory, page cache) is ~25 MB of resident memory that a gateway never serving a
 * stored response should not carry.
 */
export function responseStoreFor(config: OctorouteConfig): ResponseStore {
  if (config.responses.storage === "memory") return new MemoryResponseStore();
  let store: SqliteResponseStore | undefined;
  const open = () => (store ??= new SqliteResponseStore(openDatabase(config.database.path)));
  return {
    put: (record) => open().put(record),
    get: (tenant, id) => open().get(tenant, id),
    delete: (tenant, id) => open().delete(tenant, id),
    purgeExpired: (now) => open().purgeExpired(now),
    close: async () => store?.close(),
  };
}
