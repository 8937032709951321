/**
 * `npx tsx bench/ledger-growth.ts`: what a ledger write costs as the SQLite ledger grows.
 *
 * Writes batches of 250 requests + 250 calls (one transaction each, as the ledger flushes them)
 * through the real `SqliteLedger` into fresh files, interleaved batch by batch so drift on this
 * machine hits all alike: the ledger's schema as it is (indexes on time only), and the same with
 * the index on `calls.request_id` it used to have, once with the gateway's own time-ordered ids
 * (`req_` + time + random) and once with random ids, as a client or an ingress proxy sends in
 * `x-request-id` and the gateway echoes. Prints µs per row for each stretch of rows and the
 * ratios. Env: LEDGER_ROWS (rows per file, default 1,000,000).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requestIdFrom } from "../src/api/request-context.js";
import { openDatabase } from "../src/node/database.js";
import { CALLS } from "../src/telemetry/ledger/sql.js";
import { SqliteLedger } from "../src/telemetry/ledger/sqlite.js";
import type { CallRow, RequestRow } from "../src/telemetry/ledger/types.js";

const TOTAL = Number(process.env.LEDGER_ROWS ?? 1_000_000);
const PER_BATCH = 250;
const REPORT_EVERY = Math.max(100_000, Math.floor(TOTAL / 10));

function batch(ts: number, ids: "own" | "random"): { requests: RequestRow[]; calls: CallRow[] } {
  const requests: RequestRow[] = [];
  const calls: CallRow[] = [];
  for (let i = 0; i < PER_BATCH; i++) {
    const requestId = ids === "own" ? requestIdFrom(undefined) : randomBytes(16).toString("hex");
    const common = { ts: ts + i, requestId, tenant: "team-a", keyId: "k1", route: null, strategy: "single", inputTokens: 12, outputTokens: 16, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0.0000038, latencyMs: 3, ttftMs: 2 };
    requests.push({ ...common, endpoint: "chat", model: "sim-fast", status: 200, errorCode: null, stream: false, calls: 1 });
    calls.push({ ...common, seq: 0, model: "sim-fast", provider: "sim", operation: "chat", purpose: "answer", status: "ok", errorCode: null, attempts: 1, streamed: false, responseModel: "sim-fast" });
  }
  return { requests, calls };
}

const dir = mkdtempSync(join(tmpdir(), "octoroute-ledger-growth-"));
const variants = [
  { name: "now", index: false, ids: "random" as const },
  { name: "index, own ids", index: true, ids: "own" as const },
  { name: "index, random ids", index: true, ids: "random" as const },
];
const targets = await Promise.all(
  variants.map(async (v) => {
    const db = openDatabase(join(dir, `${v.name.replace(/\W/g, "_")}.db`));
    const ledger = new SqliteLedger(db);
    await ledger.init();
    if (v.index) db.exec(`CREATE INDEX ${CALLS}_request ON ${CALLS} (request_id)`);
    return { ...v, ledger, ms: 0, stretchMs: 0 };
  }),
);
console.log(`ledger growth: ${TOTAL.toLocaleString("en")} rows per file (requests + calls), ${2 * PER_BATCH} rows per transaction`);
let ts = Date.now();
for (let rows = 0; rows < TOTAL; ) {
  const own = batch(ts, "own");
  const random = batch(ts, "random");
  ts += PER_BATCH;
  for (const t of targets) {
    const b = t.ids === "own" ? own : random;
    const started = performance.now();
    await t.ledger.insert(b.requests, b.calls);
    const took = performance.now() - started;
    t.ms += took;
    t.stretchMs += took;
  }
  rows += 2 * PER_BATCH;
  if (rows % REPORT_EVERY === 0) {
    console.log(`  ${String(rows / 1000).padStart(6)}k rows: ${targets.map((t) => `${t.name} ${((1000 * t.stretchMs) / REPORT_EVERY).toFixed(2)} µs/row`).join("   ")}`);
    for (const t of targets) t.stretchMs = 0;
  }
}
const [now, ...withIndex] = targets;
console.log(`  over all ${TOTAL.toLocaleString("en")} rows: now ${((1000 * now!.ms) / TOTAL).toFixed(2)} µs/row; ${withIndex.map((t) => `${t.name} ${((1000 * t.ms) / TOTAL).toFixed(2)} µs/row (${(t.ms / now!.ms).toFixed(2)}x)`).join("; ")}`);
