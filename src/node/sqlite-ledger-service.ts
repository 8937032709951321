/**
 * The SQLite ledger as a background-thread service (`background.ts`): owns the ledger's database
 * file and answers the main thread's calls (`{id, method, args}` → `{id, result | error}`) on its
 * port. SQLite here is synchronous WebAssembly, so writing it on the event loop would stall
 * requests; on the background thread it never does.
 */
import type { MessagePort } from "node:worker_threads";
import { callRows, requestRow } from "../telemetry/ledger/rows.js";
import { SqliteLedger } from "../telemetry/ledger/sqlite.js";
import { parseSummaries } from "../telemetry/summary-json.js";
import type { LedgerBackend } from "../telemetry/ledger/types.js";
import { closeDatabase, openDatabase } from "./database.js";

export interface LedgerCall {
  id: number;
  method: Exclude<keyof LedgerBackend, "kind">;
  args: unknown[];
}

export function serve(port: MessagePort, data: unknown): void {
  const path = (data as { path: string }).path;
  let backend: SqliteLedger | undefined;
  let failure: Error | undefined;
  try {
    backend = new SqliteLedger(openDatabase(path));
  } catch (err) {
    failure = err as Error;
  }

  port.on("message", async (msg: LedgerCall) => {
    try {
      if (!backend) throw failure ?? new Error("ledger database is not open");
      let result: unknown;
      if (msg.method === "insertSummaries") {
        // The main thread sends finished requests as one JSON array; the rows are made here.
        const summaries = parseSummaries(msg.args[0] as string);
        result = await backend.insert(summaries.map(requestRow), summaries.flatMap(callRows));
      } else {
        const fn = backend[msg.method] as (...a: unknown[]) => Promise<unknown>;
        result = await fn.apply(backend, msg.args);
      }
      if (msg.method === "close") closeDatabase(path);
      port.postMessage({ id: msg.id, result });
    } catch (err) {
      port.postMessage({ id: msg.id, error: (err as Error).message ?? String(err) });
    }
  });
}
