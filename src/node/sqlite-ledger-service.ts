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
import type { CallRow, LedgerBackend, RequestRow } from "../telemetry/ledger/types.js";
import { closeDatabase, openDatabase } from "./database.js";
import { publishSummaries } from "./summary-bus.js";

const utf8 = new TextDecoder();

export interface LedgerCall {
  id: number;
  method: Exclude<keyof LedgerBackend, "kind" | "handOffMs" | "publishSummaries">;
  args: unknown[];
}

/** The ledger's settings the service batches writes by. */
export interface LedgerServiceData {
  path: string;
  /** Longest a handed-over batch waits before it is written (ms). */
  flushIntervalMs: number;
  /** Rows that make a write start at once. */
  batchRows: number;
}

export function serve(port: MessagePort, data: unknown): void {
  const { path, flushIntervalMs, batchRows } = data as LedgerServiceData;
  let backend: SqliteLedger | undefined;
  let failure: Error | undefined;
  try {
    backend = new SqliteLedger(openDatabase(path));
  } catch (err) {
    failure = err as Error;
  }

  // Batches handed over and not yet written: their rows, and the calls to answer once they are.
  let requests: RequestRow[] = [];
  let calls: CallRow[] = [];
  let waiting: number[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Writes every held row in one transaction and answers the calls that handed them over. */
  const writeHeld = async (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (!waiting.length) return;
    const batch = { requests, calls, ids: waiting };
    requests = [];
    calls = [];
    waiting = [];
    try {
      if (!backend) throw failure ?? new Error("ledger database is not open");
      await backend.insert(batch.requests, batch.calls);
      for (const id of batch.ids) port.postMessage({ id });
    } catch (err) {
      // The main thread keeps these batches and hands them over again.
      for (const id of batch.ids) port.postMessage({ id, error: (err as Error).message ?? String(err) });
    }
  };

  port.on("message", async (msg: LedgerCall) => {
    if (msg.method === "insertSummaries") {
      try {
        // The main thread sends finished requests as one JSON array; the rows are made here.
        const summaries = parseSummaries(utf8.decode(msg.args[0] as Uint8Array));
        // First hand-offs, when span export reads them: a batch handed over again after a failed
        // write was published the first time.
        if (msg.args[2] === true) publishSummaries(summaries);
        for (const s of summaries) {
          requests.push(requestRow(s));
          for (const c of callRows(s)) calls.push(c);
        }
        waiting.push(msg.id);
      } catch (err) {
        port.postMessage({ id: msg.id, error: (err as Error).message ?? String(err) });
        return;
      }
      if (msg.args[1] === true || requests.length + calls.length >= batchRows) await writeHeld();
      else timer ??= setTimeout(() => void writeHeld(), flushIntervalMs);
      return;
    }
    // Every other call sees (and, for close, keeps) what was handed over before it.
    await writeHeld();
    try {
      if (!backend) throw failure ?? new Error("ledger database is not open");
      const fn = backend[msg.method] as (...a: unknown[]) => Promise<unknown>;
      const result = await fn.apply(backend, msg.args);
      if (msg.method === "close") closeDatabase(path);
      port.postMessage({ id: msg.id, result });
    } catch (err) {
      port.postMessage({ id: msg.id, error: (err as Error).message ?? String(err) });
    }
  });
}
