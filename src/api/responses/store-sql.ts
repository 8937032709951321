/**
 * The stored-responses table and its statements, shared by the SQLite store (Node,
 * `node/response-store-sqlite.ts`) and the D1 store (Workers, `edge/d1-response-store.ts`): one
 * row per response keyed by (tenant, id), the response, its input and instructions as JSON.
 */
import type { StoredResponse } from "./store.js";

export const RESPONSES_DDL = [
  `CREATE TABLE IF NOT EXISTS responses (
      tenant TEXT NOT NULL,
      id TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      body TEXT NOT NULL,
      PRIMARY KEY (tenant, id)
    )`,
  "CREATE INDEX IF NOT EXISTS responses_expires_at ON responses (expires_at) WHERE expires_at IS NOT NULL",
];
export const UPSERT_RESPONSE = "INSERT OR REPLACE INTO responses (tenant, id, created_at, expires_at, body) VALUES (?, ?, ?, ?, ?)";
export const SELECT_RESPONSE = "SELECT created_at, expires_at, body FROM responses WHERE tenant = ? AND id = ?";
export const DELETE_RESPONSE = "DELETE FROM responses WHERE tenant = ? AND id = ?";
export const SWEEP_RESPONSES = "DELETE FROM responses WHERE expires_at IS NOT NULL AND expires_at <= ?";

export type ResponseRow = { created_at: number; expires_at: number | null; body: string };

/** The upsert's parameters for a record. */
export function upsertParams(r: StoredResponse): [string, string, number, number | null, string] {
  return [r.tenant, r.id, r.createdAt, r.expiresAt, JSON.stringify({ response: r.response, input: r.input, instructions: r.instructions })];
}

/** A row back to its record; null when it has expired by `now`. */
export function fromResponseRow(tenant: string, id: string, row: ResponseRow, now: number): StoredResponse | null {
  const body = JSON.parse(row.body) as Pick<StoredResponse, "response" | "input" | "instructions">;
  const found: StoredResponse = { id, tenant, createdAt: Number(row.created_at), expiresAt: row.expires_at === null ? null : Number(row.expires_at), ...body };
  return found.expiresAt === null || found.expiresAt > now ? found : null;
}
