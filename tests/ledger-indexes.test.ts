/**
 * The ledger's indexes: time-ordered only, so inserts stay cheap as the file grows
 * (`bench/ledger-growth.ts`). A ledger made by an earlier version, with an index on
 * `calls.request_id`, loses it on start and keeps its rows; lookups by request id still work.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../src/node/database.js";
import { CALLS, REQUESTS } from "../src/telemetry/ledger/sql.js";
import { SqliteLedger } from "../src/telemetry/ledger/sqlite.js";
import type { CallRow, RequestRow } from "../src/telemetry/ledger/types.js";

const path = join(mkdtempSync(join(tmpdir(), "octoroute-ledger-indexes-")), "ledger.db");
afterAll(() => closeDatabase(path));

const request: RequestRow = { ts: Date.now(), requestId: "req-1", tenant: "team-a", keyId: "k1", endpoint: "chat", route: null, strategy: "none", model: "sim-small", status: 200, errorCode: null, stream: false, calls: 1, inputTokens: 3, outputTokens: 4, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0.001, latencyMs: 5, ttftMs: 2 };
const { endpoint: _e, calls: _c, stream: _s, ...shared } = request;
const call: CallRow = { ...shared, seq: 0, model: "sim-small", provider: "sim", operation: "chat", purpose: "answer", status: "ok", attempts: 1, streamed: false, responseModel: "sim-small" };

const indexes = (table: string) =>
  openDatabase(path)
    .all("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name", [table])
    .map((r) => String(r.name));

describe("ledger indexes", () => {
  it("indexes time only, and drops the request_id index of an older ledger on start", async () => {
    const db = openDatabase(path);
    const first = new SqliteLedger(db);
    await first.init();
    await first.insert([request], [call]);
    // What an earlier version created.
    db.exec(`CREATE INDEX ${CALLS}_request ON ${CALLS} (request_id)`);
    expect(indexes(CALLS)).toContain(`${CALLS}_request`);

    const reopened = new SqliteLedger(db);
    await reopened.init();
    expect(indexes(CALLS)).toEqual([`${CALLS}_ts`]);
    expect(indexes(REQUESTS)).toEqual([`${REQUESTS}_tenant_ts`, `${REQUESTS}_ts`]);
    await reopened.insert([{ ...request, requestId: "req-2" }], [{ ...call, requestId: "req-2" }]);
    expect(await reopened.counts()).toEqual({ requests: 2, calls: 2 });
    const rows = await reopened.rowsOf("req-1");
    expect(rows.requests).toEqual([request]);
    expect(rows.calls).toEqual([call]);
  });
});
