/** The embedded database survives a hard crash of its previous owner (stale lock) and refuses a live one. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../src/node/database.js";

const script = (path: string, tail: string) =>
  `import { openDatabase } from "./src/node/database.ts"; const db = openDatabase(${JSON.stringify(path)}); db.exec("CREATE TABLE IF NOT EXISTS t(a)"); db.exec("BEGIN"); db.run("INSERT INTO t VALUES (1)"); db.exec("COMMIT"); ${tail}`;

describe("embedded database", () => {
  it("opens again after its owner was killed without closing", () => {
    const path = join(mkdtempSync(join(tmpdir(), "octoroute-db-")), "x.db");
    // The child opens the database and dies abruptly, leaving its lock behind.
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script(path, "process.kill(process.pid, 'SIGKILL');")], { encoding: "utf8" });
    expect(child.signal).toBe("SIGKILL");
    expect(existsSync(`${path}.lock`)).toBe(true);
    const db = openDatabase(path);
    expect(db.get("SELECT count(*) AS c FROM t")).toEqual({ c: 1 });
    closeDatabase(path);
    expect(existsSync(`${path}.owner`)).toBe(false);
  });

  it("refuses a database another live process holds", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "octoroute-db-")), "y.db");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script(path, "console.log('ready'); setTimeout(() => {}, 20000);")], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve) => child.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve()));
      expect(() => openDatabase(path)).toThrow(/in use by process/);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
