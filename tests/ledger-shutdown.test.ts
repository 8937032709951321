/**
 * Graceful shutdown keeps the books: the gateway runs as a child process (`octoroute serve` from
 * the compiled tree `npm start` runs, its ledger on the background thread), a load burst is in
 * flight when it gets SIGTERM, and after it exits the ledger must hold exactly one request row per
 * response the clients received (2xx included) and one call row per upstream call.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, openDatabase } from "../src/node/database.js";
import { type SimServer, startSim } from "../src/sim/server.js";
import { KEY_A } from "./helpers/stack.js";

let sim: SimServer;
let child: ChildProcess | undefined;
beforeAll(async () => {
  // Slow enough that requests are in flight when the signal arrives.
  sim = await startSim({ port: 0, models: [{ name: "burst-model", latencyMs: 60 }] });
});
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await sim?.close();
});

function startServe(configPath: string): Promise<{ url: string; exited: Promise<number | null>; output: () => string }> {
  const proc = spawn(process.execPath, ["bin/octoroute.mjs", "serve", "--config", configPath, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  child = proc;
  let out = "";
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1]!, exited, output: () => out });
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    exited.then((code) => reject(new Error(`serve exited early (${code}): ${out}`)));
  });
}

describe("SIGTERM in the middle of a load burst", () => {
  it("serves what it accepted, flushes the ledger and exits 0; served responses == ledger rows", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-sigterm-"));
    const dbPath = join(dir, "ledger.db");
    const configPath = join(dir, "octoroute.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        server: { port: 0, shutdownGraceMs: 10_000 },
        database: { path: join(dir, "octoroute.db") },
        // A long flush window: only the shutdown flush can have written the last rows.
        ledger: { path: dbPath, flushIntervalMs: 60_000, batchRows: 100_000 },
        providers: { sim: { type: "openai", preset: "sim", baseUrl: sim.url } },
        models: { burst: { provider: "sim", upstreamModel: "burst-model", price: { input: 0.5, output: 1.5 } } },
        tenants: { "team-a": { keys: ["sha256:189918722f78aa6e69f3580c2c86bd6ad87083098138a997336248dc9c45c846"], models: ["*"] } },
      }),
    );
    const gw = await startServe(configPath);

    const statuses: number[] = [];
    let signalled = false;
    const worker = async (w: number) => {
      for (let i = 0; ; i++) {
        let res: Response;
        try {
          res = await fetch(`${gw.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "burst", messages: [{ role: "user", content: `worker ${w} request ${i}` }], max_tokens: 16 }),
          });
          await res.arrayBuffer();
        } catch {
          return; // the gateway stopped accepting
        }
        statuses.push(res.status);
        if (!signalled && statuses.length >= 40) {
          signalled = true;
          child!.kill("SIGTERM");
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, w) => worker(w)));
    expect(await gw.exited, gw.output()).toBe(0);
    // The signal really arrived mid-burst: requests were in flight.
    expect(Number(/SIGTERM: finishing (\d+) in-flight/.exec(gw.output())?.[1])).toBeGreaterThan(0);

    const served2xx = statuses.filter((s) => s >= 200 && s < 300).length;
    expect(served2xx).toBeGreaterThanOrEqual(40);
    const db = openDatabase(dbPath);
    try {
      const r = db.get("SELECT COUNT(*) AS all_rows, SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 1 ELSE 0 END) AS ok FROM octoroute_requests")!;
      const c = db.get("SELECT COUNT(*) AS n FROM octoroute_calls")!;
      expect({ requests: Number(r.all_rows), ok: Number(r.ok), calls: Number(c.n) }).toEqual({ requests: statuses.length, ok: served2xx, calls: served2xx });
    } finally {
      closeDatabase(dbPath);
    }
  });
});
