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
  method: Exclude<keyof LedgerBackend, "kind" | "handOffMs" | "handOffRows" | "publishSummaries">;
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

  // Batches handed over and inserted but not yet committed (their rows), and the calls to answer
  // once they are. Each hand-off is inserted as it comes, in a step of ~50 requests; the commit
  // waits for the flush interval or batch size (see `SqliteLedger.stage`).
  let staged = 0;
  let waiting: number[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  /** Answers the calls of every staged batch with `error`, or as stored when there is none. */
  const answer = (ids: number[], error?: unknown): void => {
    for (const id of ids) port.postMessage(error === undefined ? { id } : { id, error: (error as Error).message ?? String(error) });
  };
  /** Takes the staged batches' calls, leaving nothing staged. */
  const takeWaiting = (): number[] => {
    clearTimeout(timer);
    timer = undefined;
    const ids = waiting;
    waiting = [];
    staged = 0;
    return ids;
  };

  /** Commits every staged row in one transaction and answers the calls that handed them over. */
  const writeHeld = async (): Promise<void> => {
    if (!waiting.length) return;
    const ids = takeWaiting();
    try {
      if (!backend) throw failure ?? new Error("ledger database is not open");
      backend.commit();
      answer(ids);
    } catch (err) {
      // Nothing of these batches is stored; the main thread keeps them and hands them over again.
      backend?.rollback();
      answer(ids, err);
    }
  };

  port.on("message", async (msg: LedgerCall) => {
    if (msg.method === "insertSummaries") {
      let requests: RequestRow[];
      let calls: CallRow[];
      try {
        // The main thread sends finished requests as one JSON array; the rows are made here.
        const summaries = parseSummaries(utf8.decode(msg.args[0] as Uint8Array));
        // First hand-offs, when span export reads them: a batch handed over again after a failed
        // write was published the first time.
        if (msg.args[2] === true) publishSummaries(summaries);
        requests = [];
        calls = [];
        for (const s of summaries) {
          requests.push(requestRow(s));
          for (const c of callRows(s)) calls.push(c);
        }
      } catch (err) {
        answer([msg.id], err);
        return;
      }
      try {
        if (!backend) throw failure ?? new Error("ledger database is not open");
        backend.stage(requests, calls);
        staged += requests.length + calls.length;
        waiting.push(msg.id);
      } catch (err) {
        // A failed INSERT undoes the whole open transaction: every batch staged in it is handed over again.
        backend?.rollback();
        answer([...takeWaiting(), msg.id], err);
        return;
      }
      if (msg.args[1] === true || staged >= batchRows) await writeHeld();
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
