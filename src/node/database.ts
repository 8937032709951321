/**
 * The embedded database: one SQLite file per path, opened once per process and shared by every
 * feature that stores something (usage ledger, stored responses, router state). SQLite runs as
 * WebAssembly (node-sqlite3-wasm), so nothing is compiled or downloaded at install time.
 * WAL needs shared memory that the WASM file layer lacks, so the file is opened in exclusive
 * locking mode: one gateway process owns its database file.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import type sqlite from "node-sqlite3-wasm";

export type Database = InstanceType<typeof sqlite.Database>;

const open = new Map<string, Database>();

/**
 * SQLite (WebAssembly) is loaded on the first database opened: a gateway whose ledger is
 * PostgreSQL or off, and that stores no responses or router state, never pays for it.
 *
 * It is compiled by V8's baseline WebAssembly compiler only (Liftoff, all functions at once, no
 * TurboFan tier-up). Tiering SQLite's hot functions up left the process ~30–40 MB more resident
 * (the optimising compiler's working memory, which the allocator keeps) and bought nothing on the
 * request path: batched ledger inserts ran at 3.2–3.5 µs per row either way. Aggregate queries
 * (usage API, dashboard) take up to twice as long (a GROUP BY over 20k rows: 64 ms against 30),
 * off the request path in the background thread. V8's flags are per process, so these are set
 * only while the module compiles (synchronously, inside `require`) and then put back to V8's
 * defaults, including the tiering flags `--liftoff-only` turns off by implication: WebAssembly
 * compiled afterwards (undici's HTTP parser) still tiers up.
 */
let loaded: typeof sqlite | undefined;
/** The module's WebAssembly memory, seen as it was instantiated (see `sqliteMemory`). */
let memory: WebAssembly.Memory | undefined;
function sqliteModule(): typeof sqlite {
  if (loaded) return loaded;
  setFlagsFromString("--liftoff-only --no-wasm-lazy-compilation");
  // The module instantiates synchronously inside `require`; watching that one instantiation is
  // the only way to reach its memory, which the package does not export.
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module: WebAssembly.Module, imports?: WebAssembly.Imports) {
    const instance = new Instance(module, imports);
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memory ??= value;
    return instance;
  } as unknown as typeof WebAssembly.Instance;
  try {
    loaded = createRequire(import.meta.url)("node-sqlite3-wasm") as typeof sqlite;
  } finally {
    WebAssembly.Instance = Instance;
    setFlagsFromString("--no-liftoff-only --liftoff --wasm-tier-up --wasm-dynamic-tiering --wasm-lazy-compilation");
  }
  return loaded;
}

/**
 * SQLite's WebAssembly memory and the package's module object (its C functions as `_sqlite3_*`),
 * for `src/node/sqlite-bind.ts`; undefined before a database is opened or if the package's build
 * exposes no memory.
 */
export function sqliteMemory(): { memory: WebAssembly.Memory; module: Record<string, unknown> } | undefined {
  return loaded && memory ? { memory, module: loaded as unknown as Record<string, unknown> } : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The WASM file layer locks a database with a `<file>.lock` directory, which a process that dies
 * without closing (kill -9, power loss) leaves behind: the next start would fail with "database is
 * locked". We record the owning pid beside it and clear a lock whose owner is gone.
 */
function clearStaleLock(path: string): void {
  const lock = `${path}.lock`;
  const owner = `${path}.owner`;
  if (existsSync(lock)) {
    const pid = existsSync(owner) ? Number(readFileSync(owner, "utf8").trim()) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && processAlive(pid)) {
      throw new Error(`database ${path} is in use by process ${pid} (one gateway process per database file)`);
    }
    rmSync(lock, { recursive: true, force: true });
  }
  writeFileSync(owner, String(process.pid));
}

/** Opens (or returns the already open) database at `path`, creating folders and file on first use. */
export function openDatabase(path: string): Database {
  const existing = open.get(path);
  if (existing?.isOpen) return existing;
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true });
    clearStaleLock(path);
  }
  const db = new (sqliteModule().Database)(path);
  db.exec("PRAGMA locking_mode=EXCLUSIVE");
  db.get("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  open.set(path, db);
  return db;
}

/** Runs `fn` in one transaction (rolled back if it throws). */
export function transaction<T>(db: Database, fn: () => T): T {
  db.exec("BEGIN");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (err) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw err;
  }
}

export function closeDatabase(path: string): void {
  const db = open.get(path);
  if (db?.isOpen) db.close();
  open.delete(path);
  if (path !== ":memory:") rmSync(`${path}.owner`, { force: true });
}

export function closeAllDatabases(): void {
  for (const path of [...open.keys()]) closeDatabase(path);
}
