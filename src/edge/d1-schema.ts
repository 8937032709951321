/**
 * Tables a D1-backed store needs, created once per isolate before its first statement: the DDL
 * is idempotent (`IF NOT EXISTS`), so every isolate runs it once. A failed attempt is not kept;
 * the next call tries again.
 */
import type { D1DatabaseLike } from "./d1-ledger.js";

/** A function that resolves once `ddl` has run on `db` (one batch, shared by concurrent callers). */
export function schemaOnce(db: D1DatabaseLike, ddl: readonly string[]): () => Promise<void> {
  let created: Promise<void> | undefined;
  return () =>
    (created ??= db
      .batch(ddl.map((sql) => db.prepare(sql)))
      .then(() => undefined)
      .catch((err: unknown) => {
        created = undefined;
        throw err;
      }));
}
