/**
 * `npx tsx bench/strategies.ts`: fan-out cost of multi-sample strategies, as ratios against a
 * baseline measured in the same run.
 *
 * The sim runs in a child process (so this process's CPU is the gateway's own) with a solver
 * model of 200 ms latency that ignores n>1. Measured, sequentially, R times each:
 *   (a) one sample: strategy `none`;
 *   (b) self-consistency n=16 as 16 parallel single calls (catalog `n: false`);
 *   (c) self-consistency n=16 as one n=16 call (catalog `n: true`, a sim model that honours n).
 * Target: median (b) ≤ 1.25 × median (a). Gateway CPU per extra sample = (CPU(b) − CPU(a)) / 15
 * per request. Env: BENCH_ROUNDS (default 20), BENCH_LATENCY_MS (default 200).
 */
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../src/config/loader.js";
import { startGateway } from "../src/node.js";
import { startSim } from "../src/sim/server.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 200);
const KEY = "sk-oct-bench-strategies";

if (process.argv[2] === "sim-child") {
  const sim = await startSim({
    port: 0,
    models: [
      { name: "slow-solver", behaviour: "solver", skill: 0.6, latencyMs: LATENCY, supportsN: false },
      { name: "slow-solver-n", behaviour: "solver", skill: 0.6, latencyMs: LATENCY },
    ],
  });
  process.send!({ url: sim.url });
  process.on("message", () => sim.close().then(() => process.exit(0)));
} else {
  await main();
}

async function main(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["sim-child"], { execArgv: process.execArgv });
  const simUrl = await new Promise<string>((resolve) => child.once("message", (m) => resolve((m as { url: string }).url)));
  const config = parseConfig(
    JSON.stringify({
      server: { port: 0 },
      database: { path: join(mkdtempSync(join(tmpdir(), "octoroute-bench-")), "bench.db") },
      providers: { sim: { type: "openai", preset: "sim", baseUrl: simUrl, connections: 64, timeouts: { connectMs: 2000, firstByteMs: 10000, idleMs: 10000 } } },
      models: {
        fanout: { provider: "sim", upstreamModel: "slow-solver", price: { input: 0.5, output: 1.5 }, capabilities: { n: false } },
        single: { provider: "sim", upstreamModel: "slow-solver-n", price: { input: 0.5, output: 1.5 } },
      },
      tenants: { bench: { keys: [`sha256:${createHash("sha256").update(KEY).digest("hex")}`], models: ["*"] } },
    }),
    process.env,
    "bench",
  );
  const gateway = await startGateway({ config, port: 0, log: () => {} });
  const question = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?";
  const call = async (model: string, octoroute?: object) => {
    const started = performance.now();
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: question }], ...(octoroute ? { octoroute } : {}) }),
    });
    const body = (await res.json()) as { octoroute?: { budget?: { calls_used?: number } } };
    if (!res.ok) throw new Error(JSON.stringify(body));
    return { ms: performance.now() - started, calls: body.octoroute?.budget?.calls_used ?? 1 };
  };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const runs = [
    { label: "one sample (none)", model: "fanout", octoroute: undefined as object | undefined },
    { label: "self-consistency n=16, 16 parallel calls", model: "fanout", octoroute: { strategy: "self-consistency", n: 16 } },
    { label: "self-consistency n=16, one n=16 call", model: "single", octoroute: { strategy: "self-consistency", n: 16 } },
  ].map((r) => ({ ...r, times: [] as number[], cpuUs: 0, calls: 0 }));
  try {
    for (const r of runs) for (let i = 0; i < 3; i++) await call(r.model, r.octoroute); // warm-up
    // Interleaved rounds, so drift on a shared machine hits every run alike.
    for (let i = 0; i < ROUNDS; i++) {
      for (const r of runs) {
        const cpu0 = process.cpuUsage();
        const res = await call(r.model, r.octoroute);
        const cpu = process.cpuUsage(cpu0);
        r.cpuUs += cpu.user + cpu.system;
        r.times.push(res.ms);
        r.calls = res.calls;
      }
    }
    const [one, fan, batched] = runs.map((r) => ({ label: r.label, calls: r.calls, medianMs: median(r.times), cpuPerRequestUs: r.cpuUs / ROUNDS }));
    if (!one || !fan || !batched) throw new Error("no runs");
    console.log(`sim latency ${LATENCY} ms per call, ${ROUNDS} sequential requests each, gateway CPU measured in-process (sim in a child process)\n`);
    console.log("| run | upstream calls | median latency ms | × one sample | gateway CPU per request µs |");
    console.log("|---|---:|---:|---:|---:|");
    for (const r of [one, fan, batched]) console.log(`| ${r.label} | ${r.calls} | ${r.medianMs.toFixed(1)} | ${(r.medianMs / one.medianMs).toFixed(3)} | ${r.cpuPerRequestUs.toFixed(0)} |`);
    const perExtra = (fan.cpuPerRequestUs - one.cpuPerRequestUs) / 15;
    console.log(`\nfan-out ratio (16 parallel samples / one sample): ${(fan.medianMs / one.medianMs).toFixed(3)} (target ≤ 1.25)`);
    console.log(`gateway CPU per extra sample: ${perExtra.toFixed(0)} µs`);
  } finally {
    await gateway.close();
    child.send("stop");
  }
}
