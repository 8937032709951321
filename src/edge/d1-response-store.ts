/**
 * Stored responses (`/v1/responses` state: `previous_response_id`, `GET`/`DELETE`) in D1, for
 * the Workers entry: isolates do not share memory, so a conversation's next turn, served by
 * another isolate, must find the previous one in a shared database. Same table and statements as
 * the SQLite store on Node (`api/responses/store-sql.ts`). A write is awaited before the response
 * is returned, so a client that continues the conversation right away always finds it.
 */
import type { ResponseStore, StoredResponse } from "../api/responses/store.js";
import { DELETE_RESPONSE, fromResponseRow, RESPONSES_DDL, type ResponseRow, SELECT_RESPONSE, SWEEP_RESPONSES, UPSERT_RESPONSE, upsertParams } from "../api/responses/store-sql.js";
import type { D1DatabaseLike } from "./d1-ledger.js";
import { schemaOnce } from "./d1-schema.js";

/** Expired rows are swept at most this often (after a write). */
const SWEEP_EVERY_MS = 60_000;

export class D1ResponseStore implements ResponseStore {
  /** Creates the table once per isolate. */
  private readonly ready: () => Promise<void>;
  private lastSweep = 0;

  constructor(
    private readonly db: D1DatabaseLike,
    private readonly now: () => number = Date.now,
  ) {
    this.ready = schemaOnce(db, RESPONSES_DDL);
  }

  async put(record: StoredResponse): Promise<void> {
    await this.ready();
    await this.db
      .prepare(UPSERT_RESPONSE)
      .bind(...upsertParams(record))
      .run();
    if (this.now() - this.lastSweep > SWEEP_EVERY_MS) await this.purgeExpired().catch(() => 0);
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    await this.ready();
    const { results } = await this.db.prepare(SELECT_RESPONSE).bind(tenant, id).all<ResponseRow>();
    const row = results[0];
    return row ? fromResponseRow(tenant, id, row, this.now()) : null;
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    await this.ready();
    // Expired rows count as absent, as `get` says.
    const existed = (await this.get(tenant, id)) !== null;
    await this.db.prepare(DELETE_RESPONSE).bind(tenant, id).run();
    return existed;
  }

  async purgeExpired(now = this.now()): Promise<number> {
    await this.ready();
    this.lastSweep = now;
    const r = await this.db.prepare(SWEEP_RESPONSES).bind(now).run();
    return r.meta.changes ?? 0;
  }
}
