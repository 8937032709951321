/**
 * Runs a prepared statement with positional values by calling SQLite's bind functions directly,
 * for the ledger's batched INSERTs (the one hot write path of the embedded database).
 *
 * Why: node-sqlite3-wasm's `Statement.run` copies every string parameter into a fresh `malloc`
 * of WebAssembly memory and has SQLite copy it again (SQLITE_TRANSIENT). A ledger row has a dozen
 * strings, so binding cost more than the B-tree inserts themselves. Here the strings of one run
 * are written once into a reused buffer and bound without a copy (SQLITE_STATIC; the statement is
 * stepped and reset before the buffer is written again): measured at ~9 µs against ~14 µs per
 * request's two ledger rows (`docs/performance.md`).
 *
 * Semantics match `Statement.run`: strings as TEXT, integers that fit in 32 bits as INTEGER,
 * other safe integers as 64-bit INTEGER, other numbers as REAL, booleans as 0/1, null as NULL.
 * Anything else (blobs, undefined), or a package build whose internals this relies on are
 * missing, goes through `Statement.run` unchanged, so behaviour never depends on the fast path.
 */
import type { Statement } from "node-sqlite3-wasm";
import { sqliteMemory } from "./database.js";

const SQLITE_OK = 0;
const SQLITE_DONE = 101;
/** Destructor argument telling SQLite the bound bytes outlive the statement's use of them. */
const SQLITE_STATIC = 0;

interface Raw {
  memory: WebAssembly.Memory;
  bindText(stmt: number, i: number, ptr: number, bytes: number, destructor: number): number;
  bindInt(stmt: number, i: number, v: number): number;
  bindInt64(stmt: number, i: number, v: bigint): number;
  bindDouble(stmt: number, i: number, v: number): number;
  bindNull(stmt: number, i: number): number;
  clearBindings(stmt: number): number;
  step(stmt: number): number;
  reset(stmt: number): number;
  malloc(bytes: number): number;
  free(ptr: number): void;
  errmsg(db: number): string;
  SQLite3Error: new (message: string) => Error;
}

let raw: Raw | null | undefined;

function resolveRaw(): Raw | null {
  const found = sqliteMemory();
  if (!found) return null;
  const m = found.module;
  const names = ["_sqlite3_bind_text", "_sqlite3_bind_int", "_sqlite3_bind_int64", "_sqlite3_bind_double", "_sqlite3_bind_null", "_sqlite3_clear_bindings", "_sqlite3_step", "_sqlite3_reset", "_malloc", "_free", "cwrap", "SQLite3Error"];
  if (names.some((n) => typeof m[n] !== "function")) return null;
  const fn = (n: string) => m[n] as (...args: never[]) => never;
  return {
    memory: found.memory,
    bindText: fn("_sqlite3_bind_text"),
    bindInt: fn("_sqlite3_bind_int"),
    bindInt64: fn("_sqlite3_bind_int64"),
    bindDouble: fn("_sqlite3_bind_double"),
    bindNull: fn("_sqlite3_bind_null"),
    clearBindings: fn("_sqlite3_clear_bindings"),
    step: fn("_sqlite3_step"),
    reset: fn("_sqlite3_reset"),
    malloc: fn("_malloc"),
    free: fn("_free"),
    errmsg: (m.cwrap as (name: string, ret: string, args: string[]) => (db: number) => string)("sqlite3_errmsg", "string", ["number"]),
    SQLite3Error: m.SQLite3Error as Raw["SQLite3Error"],
  };
}

/** The statement's and its database's C pointers (private fields of the package's classes). */
function pointers(stmt: Statement): { stmt: number; db: number } | undefined {
  const s = (stmt as unknown as { _ptr?: unknown })._ptr;
  const d = (stmt.database as unknown as { _ptr?: unknown })._ptr;
  return typeof s === "number" && s !== 0 && typeof d === "number" && d !== 0 ? { stmt: s, db: d } : undefined;
}

/** Reused buffer for one run's strings; each isolate (thread) has its own. */
let scratch = 0;
let capacity = 0;
const encoder = new TextEncoder();

/** Bytes the strings of `values` need as UTF-8 (at most 3 per UTF-16 unit), or -1 for a value only `Statement.run` binds. */
function textBytes(values: readonly unknown[]): number {
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "string") bytes += v.length * 3;
    else if (v !== null && typeof v !== "number" && typeof v !== "boolean" && typeof v !== "bigint") return -1;
  }
  return bytes;
}

/** True when the fast path is available (a database has been opened and the package exposes what it needs). */
export function directBindAvailable(): boolean {
  if (raw === undefined) raw = resolveRaw();
  return raw !== null;
}

/** `stmt.run(values)` for a statement that returns no rows, binding `values` directly (see above). */
export function runBound(stmt: Statement, values: readonly unknown[]): void {
  if (raw === undefined) raw = resolveRaw();
  const ptrs = raw && !stmt.isFinalized ? pointers(stmt) : undefined;
  const need = ptrs ? textBytes(values) : -1;
  if (!raw || !ptrs || need < 0) {
    stmt.run(values as Parameters<Statement["run"]>[0]);
    return;
  }
  const r = raw;
  if (need > capacity) {
    if (scratch) r.free(scratch);
    capacity = Math.max(need, capacity * 2, 4096);
    scratch = r.malloc(capacity);
    if (!scratch) {
      capacity = 0;
      throw new r.SQLite3Error("out of memory binding statement parameters");
    }
  }
  // Taken after any malloc above: growing the memory replaces its buffer. Binding allocates nothing.
  const heap = new Uint8Array(r.memory.buffer);
  const p = ptrs.stmt;
  r.reset(p);
  r.clearBindings(p);
  let at = scratch;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const index = i + 1;
    let rc: number;
    if (typeof v === "string") {
      const start = at;
      let j = 0;
      for (; j < v.length; j++) {
        const c = v.charCodeAt(j);
        if (c >= 0x80) break;
        heap[at++] = c;
      }
      if (j < v.length) at = start + encoder.encodeInto(v, heap.subarray(start, start + v.length * 3)).written;
      rc = r.bindText(p, index, start, at - start, SQLITE_STATIC);
    } else if (typeof v === "number") {
      rc = (v | 0) === v ? r.bindInt(p, index, v) : Number.isSafeInteger(v) ? r.bindInt64(p, index, BigInt(v)) : r.bindDouble(p, index, v);
    } else if (typeof v === "boolean") rc = r.bindInt(p, index, v ? 1 : 0);
    else if (typeof v === "bigint") rc = r.bindInt64(p, index, v);
    else rc = r.bindNull(p, index);
    if (rc !== SQLITE_OK) fail(r, ptrs);
  }
  const done = r.step(p);
  if (done !== SQLITE_DONE) fail(r, ptrs);
  r.reset(p);
}

function fail(r: Raw, ptrs: { stmt: number; db: number }): never {
  // The message first: resetting may replace it.
  const message = r.errmsg(ptrs.db);
  r.reset(ptrs.stmt);
  r.clearBindings(ptrs.stmt);
  throw new r.SQLite3Error(message);
}
