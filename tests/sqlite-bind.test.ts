/**
 * Direct binding (`src/node/sqlite-bind.ts`) stores exactly what node-sqlite3-wasm's own
 * `Statement.run` stores, for every kind of value the ledger writes, and fails the same way.
 */
import { afterAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../src/node/database.js";
import { directBindAvailable, runBound } from "../src/node/sqlite-bind.js";

const PATH = ":memory:";
const db = openDatabase(PATH);
afterAll(() => closeDatabase(PATH));

const long = "x".repeat(50_000) + "é";
const rows: unknown[][] = [
  ["plain", 0, 1.5, null],
  ["", -1, -0.000123, true],
  ["é ü ß — 中文 🙂 mixed", 2_147_483_647, 1e-9, false],
  ["tail-ascii-after-🙂-x", 2_147_483_648, Number.NaN, 7n],
  [long, Date.now(), 3.25, -(2 ** 40)],
  ["short after long", -2_147_483_649, 0.1 + 0.2, 9_007_199_254_740_991],
];

describe("direct SQLite binding", () => {
  it("is active once a database is open", () => {
    expect(directBindAvailable()).toBe(true);
  });

  it("stores the same values and types as Statement.run", () => {
    db.exec("CREATE TABLE a (s TEXT, i INTEGER, r REAL, x)");
    db.exec("CREATE TABLE b (s TEXT, i INTEGER, r REAL, x)");
    const fast = db.prepare("INSERT INTO a VALUES (?, ?, ?, ?)");
    const slow = db.prepare("INSERT INTO b VALUES (?, ?, ?, ?)");
    for (const row of rows) {
      runBound(fast, row);
      slow.run(row as never);
    }
    // Several rows per statement, as the ledger's multi-row INSERTs do.
    const many = db.prepare("INSERT INTO a VALUES (?, ?, ?, ?), (?, ?, ?, ?)");
    const many2 = db.prepare("INSERT INTO b VALUES (?, ?, ?, ?), (?, ?, ?, ?)");
    runBound(many, [...rows[2]!, ...rows[0]!]);
    many2.run([...rows[2]!, ...rows[0]!] as never);
    const q = (t: string) => db.all(`SELECT s, i, r, x, typeof(s) ts, typeof(i) ti, typeof(r) tr, typeof(x) tx FROM ${t} ORDER BY rowid`);
    const a = q("a");
    expect(a).toEqual(q("b"));
    expect(a).toHaveLength(rows.length + 2);
    expect(a[2]!.s).toBe("é ü ß — 中文 🙂 mixed");
    expect(a[4]!.s).toBe(long);
    expect(a[5]).toMatchObject({ s: "short after long", i: -2_147_483_649, ti: "integer" });
    expect(a[3]).toMatchObject({ i: 2_147_483_648, r: null, x: 7 });
    for (const st of [fast, slow, many, many2]) st.finalize();
  });

  it("reports a failing row with SQLite's message and leaves the statement usable", () => {
    db.exec("CREATE TABLE c (s TEXT NOT NULL, i INTEGER)");
    const st = db.prepare("INSERT INTO c VALUES (?, ?)");
    expect(() => runBound(st, [null, 1])).toThrow(/NOT NULL constraint failed: c\.s/);
    expect(() => runBound(st, ["a", 1, "extra"])).toThrow(/column index out of range/);
    runBound(st, ["ok", 2]);
    expect(db.all("SELECT s, i FROM c")).toEqual([{ s: "ok", i: 2 }]);
    st.finalize();
  });

  it("hands values it does not bind itself to Statement.run", () => {
    db.exec("CREATE TABLE d (b BLOB, s TEXT)");
    const st = db.prepare("INSERT INTO d VALUES (?, ?)");
    runBound(st, [new Uint8Array([1, 2, 3]), "blob row"]);
    expect(db.get("SELECT b, s FROM d")).toEqual({ b: new Uint8Array([1, 2, 3]), s: "blob row" });
    expect(() => runBound(st, [undefined, "x"])).toThrow(/Unsupported type/);
    st.finalize();
  });
});
