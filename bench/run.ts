/**
 * `npm run bench`: Octoroute's overhead, as ratios against baselines measured in the same run.
 *
 * Five targets, each in its own process: (a) the sim directly (a model with no latency), (b) the
 * floor proxy (`bench/floor-proxy.ts`: node:http + undici Pool, the best any Node gateway can do),
 * (b') the same pass-through as a Hono app on @hono/node-server (`bench/hono-proxy.ts`: what the
 * adapter's web-stream path costs by itself), (c) Octoroute with auth, usage accounting (every
 * upstream call metered into the request's account, its cost in `x-octoroute-cost-usd`) and
 * `x-octoroute-*` headers on, (c') the same gateway with the SQLite usage ledger and the budget store
 * on as well (what `npm run bench:accounting` measures with OpenTelemetry on top), and (c'') the
 * gateway without its Node-native request path (`nativeBody: false`: body and disconnect signal
 * through the adapter's WHATWG Request — the "before"). Everything runs as plain JavaScript (`bench/build.ts`), not
 * through the tsx loader. autocannon drives
 * ≥10 s per point at concurrency 1, 16, 64 (targets interleaved per concurrency, so drift on this
 * shared machine hits all three alike). Then: exact c=1 latency (sequential, µs timer — autocannon
 * rounds to whole ms), streaming time to first byte, peak RSS, and RSS after 100k vs 300k requests
 * in a fresh gateway process.
 *
 * Env: BENCH_SECONDS (default 10), BENCH_QUICK=1 (3 s points, 10k/30k RSS run),
 * BENCH_PROFILE=1 (the gateway writes a `--cpu-prof` profile to bench/results/).
 * Figures are for this bench, never for tests; absolute numbers are noisy, ratios are the point.
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { Pool } from "undici";
import { buildForBench } from "./build.js";
import { BENCH_KEY } from "./key.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, "results");
const QUICK = process.env.BENCH_QUICK === "1";
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
const RSS_FIRST = QUICK ? 10_000 : 100_000;
const RSS_TOTAL = QUICK ? 30_000 : 300_000;
const CONCURRENCY = [1, 16, 64];
const PROFILE = process.env.BENCH_PROFILE === "1";

const PATH = "/v1/chat/completions";
const BODY = JSON.stringify({ model: "sim-fast", messages: [{ role: "user", content: "Say something short." }], max_tokens: 16 });
const STREAM_BODY = JSON.stringify({ model: "sim-fast", messages: [{ role: "user", content: "Say something short." }], max_tokens: 16, stream: true });
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${BENCH_KEY}` };

interface Mem {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  oldSpaceCommitted: number;
}

interface Child {
  proc: ChildProcess;
  url: string;
  mem(): Promise<Mem>;
  stop(): Promise<void>;
}

let childScript = join(HERE, "child.ts");
let childLoader = ["--import", "tsx"];

/** Every child started, so none outlives the bench when it fails midway. */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});

async function spawn(role: string, arg: string | undefined, extraArgv: string[] = []): Promise<Child> {
  const proc = fork(childScript, arg ? [role, arg] : [role], {
    execArgv: [...childLoader, "--expose-gc", ...extraArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(proc);
  const url = await new Promise<string>((resolve, reject) => {
    proc.once("error", reject);
    proc.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
    proc.on("message", (m: { ready?: boolean; url?: string }) => m.ready && resolve(m.url!));
  });
  return {
    proc,
    url,
    mem: () =>
      new Promise((resolve) => {
        proc.once("message", (m) => resolve(m as Mem));
        proc.send({ cmd: "mem" });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        proc.removeAllListeners("exit");
        proc.once("exit", () => resolve());
        proc.kill("SIGINT");
      }),
  };
}

/** Peak (VmHWM) and current (VmRSS) resident set of a process, in bytes (Linux /proc). */
function procMem(pid: number): { peak: number; rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { peak: kb("VmHWM"), rss: kb("VmRSS") };
}

/** CPU time (user + system) a process has used, in ms (Linux /proc, 100 ticks/s). */
function procCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Point {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

async function load(url: string, connections: number, opts: { duration?: number; amount?: number }): Promise<Point> {
  const result = await autocannon({
    url: url + PATH,
    method: "POST",
    headers: HEADERS,
    body: BODY,
    connections,
    pipelining: 1,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.duration ?? SECONDS }),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  };
}

/** Slices of one point → one point: req/s over the whole time; latencies as the slices' medians. */
function combine(parts: Point[]): Point {
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const total = parts.reduce((s, p) => s + p.total, 0);
  return {
    rps: parts.reduce((s, p) => s + p.rps, 0) / parts.length,
    p50: median(parts.map((p) => p.p50)),
    p99: median(parts.map((p) => p.p99)),
    errors: parts.reduce((s, p) => s + p.errors, 0),
    non2xx: parts.reduce((s, p) => s + p.non2xx, 0),
    total,
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

/**
 * Sequential requests over one kept-alive connection, timed with hrtime: the c=1 latency to
 * sub-millisecond precision. Rounds alternate between targets so drift affects all equally.
 * With `stream`, measures time to the first body byte of a streamed chat instead.
 */
async function sequential(urls: string[], rounds: number, perRound: number, stream: boolean): Promise<Array<{ p50: number; p99: number }>> {
  const pools = urls.map((u) => new Pool(u, { connections: 1 }));
  const samples: number[][] = urls.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let t = 0; t < urls.length; t++) {
      for (let i = 0; i < perRound; i++) {
        const started = process.hrtime.bigint();
        const res = await pools[t]!.request({ path: PATH, method: "POST", headers: HEADERS, body: stream ? STREAM_BODY : BODY });
        if (stream) {
          for await (const _chunk of res.body) {
            samples[t]!.push(Number(process.hrtime.bigint() - started) / 1e6);
            break;
          }
          await res.body.dump();
        } else {
          await res.body.dump();
          samples[t]!.push(Number(process.hrtime.bigint() - started) / 1e6);
        }
        if (res.statusCode !== 200) throw new Error(`${urls[t]} answered ${res.statusCode}`);
      }
    }
  }
  await Promise.all(pools.map((p) => p.close()));
  return samples.map((s) => {
    const sorted = s.sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  });
}

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");

async function main() {
  mkdirSync(RESULTS, { recursive: true });
  if (process.env.BENCH_TSX !== "1") {
    childScript = join(await buildForBench(join(HERE, "..")), "bench", "child.js");
    childLoader = [];
  }
  console.log(`octoroute bench: ${SECONDS}s per point, concurrency ${CONCURRENCY.join("/")}, node ${process.version}${QUICK ? " (quick)" : ""}`);
  const sim = await spawn("sim", undefined);
  const floor = await spawn("floor", sim.url);
  const hono = await spawn("hono", sim.url);
  const profArgs = PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${RESULTS}`] : [];
  const gateway = await spawn("gateway", `${sim.url}/v1`, profArgs);
  const webstream = await spawn("gateway-webstream", `${sim.url}/v1`);
  const withLedger = await spawn("gateway-ledger", `${sim.url}/v1`);
  const targets = [
    { name: "direct (sim)", url: sim.url, pid: sim.proc.pid! },
    { name: "floor proxy", url: floor.url, pid: floor.proc.pid! },
    { name: "hono proxy", url: hono.url, pid: hono.proc.pid! },
    { name: "octoroute", url: gateway.url, pid: gateway.proc.pid! },
    { name: "oct. webstream", url: webstream.url, pid: webstream.proc.pid! },
    { name: "oct. +ledger", url: withLedger.url, pid: withLedger.proc.pid! },
  ];
  // CPU time each target's own process spends per request: robust on a shared machine, where
  // req/s also depends on what else runs. floor CPU/request ÷ octoroute CPU/request is the
  // throughput ratio to expect wherever the proxy, not the upstream, is the limit.
  const cpu: Record<string, { ms: number; requests: number }> = {};

  // Warm up JITs and pools.
  for (const t of targets) await load(t.url, 16, { duration: QUICK ? 1 : 2 });

  // Each point is SECONDS long, run as slices that alternate between the targets: load from
  // other work on this shared machine then hits all targets alike instead of skewing one.
  const slices = Math.max(1, Math.round(SECONDS / 2.5));
  const table: Record<string, Record<number, Point>> = {};
  for (const c of CONCURRENCY) {
    const parts: Point[][] = targets.map(() => []);
    for (let s = 0; s < slices; s++) {
      for (let t = 0; t < targets.length; t++) {
        const before = procCpuMs(targets[t]!.pid);
        const point = await load(targets[t]!.url, c, { duration: SECONDS / slices });
        const used = cpu[targets[t]!.name] ??= { ms: 0, requests: 0 };
        used.ms += procCpuMs(targets[t]!.pid) - before;
        used.requests += point.total;
        parts[t]!.push(point);
      }
    }
    targets.forEach((t, i) => {
      const point = combine(parts[i]!);
      (table[t.name] ??= {})[c] = point;
      console.log(`  ${t.name.padEnd(13)} c=${String(c).padEnd(3)} ${fmt(point.rps, 0).padStart(7)} req/s  p50 ${point.p50} ms  p99 ${point.p99} ms${point.errors || point.non2xx ? `  (errors ${point.errors}, non-2xx ${point.non2xx})` : ""}`);
    });
  }

  const rounds = QUICK ? 4 : 10;
  const [dLat, fLat, hLat, oLat, wLat, cLat] = await sequential(targets.map((t) => t.url), rounds, 200, false);
  const [dTtfb, fTtfb, hTtfb, oTtfb] = await sequential(targets.map((t) => t.url), rounds, 100, true);
  const gwMemAfterGc = await gateway.mem();
  const gwMem = procMem(gateway.proc.pid!);
  const floorMem = procMem(floor.proc.pid!);
  const ledgerMem = procMem(withLedger.proc.pid!);

  await gateway.stop();
  await webstream.stop();
  await withLedger.stop();
  // Leak check in a fresh gateway process: RSS after RSS_FIRST vs RSS_TOTAL requests (after GC).
  const fresh = await spawn("gateway", `${sim.url}/v1`);
  await load(fresh.url, 64, { amount: RSS_FIRST });
  const memFirst = await fresh.mem();
  const rssFirst = memFirst.rss;
  await load(fresh.url, 64, { amount: RSS_TOTAL - RSS_FIRST });
  const memTotal = await fresh.mem();
  const rssTotal = memTotal.rss;
  const freshPeak = procMem(fresh.proc.pid!).peak;
  await fresh.stop();
  await floor.stop();
  await hono.stop();
  await sim.stop();

  const o = table.octoroute!;
  const f = table["floor proxy"]!;
  const h = table["hono proxy"]!;
  const w = table["oct. webstream"]!;
  const d = table["direct (sim)"]!;
  const lines: string[] = [];
  const out = (s = "") => lines.push(s);
  out("");
  out("throughput and latency (autocannon; latency percentiles in whole ms)");
  out("target          c    req/s      p50    p99   vs floor  vs direct");
  for (const t of targets) {
    for (const c of CONCURRENCY) {
      const p = table[t.name]![c]!;
      out(`${t.name.padEnd(15)} ${String(c).padEnd(3)} ${fmt(p.rps, 0).padStart(7)}  ${String(p.p50).padStart(5)}  ${String(p.p99).padStart(5)}   ${fmt(p.rps / f[c]!.rps).padStart(6)}x   ${fmt(p.rps / d[c]!.rps).padStart(6)}x`);
    }
  }
  out("");
  out("CPU time per request in the target's own process (all concurrencies)");
  for (const t of targets) out(`  ${t.name.padEnd(15)} ${fmt((1000 * cpu[t.name]!.ms) / cpu[t.name]!.requests, 0).padStart(6)} µs`);
  const cpuPer = (name: string) => cpu[name]!.ms / cpu[name]!.requests;
  out(`  octoroute uses ${fmt(cpuPer("octoroute") / cpuPer("floor proxy"))}x the floor's CPU per request (hono proxy ${fmt(cpuPer("hono proxy") / cpuPer("floor proxy"))}x)`);
  out("");
  out("c=1 latency, sequential, µs timer (ms)      p50      p99");
  out(`  direct (sim)                           ${fmt(dLat!.p50, 3).padStart(7)}  ${fmt(dLat!.p99, 3).padStart(7)}`);
  out(`  floor proxy                            ${fmt(fLat!.p50, 3).padStart(7)}  ${fmt(fLat!.p99, 3).padStart(7)}`);
  out(`  hono proxy                             ${fmt(hLat!.p50, 3).padStart(7)}  ${fmt(hLat!.p99, 3).padStart(7)}`);
  out(`  octoroute                              ${fmt(oLat!.p50, 3).padStart(7)}  ${fmt(oLat!.p99, 3).padStart(7)}`);
  out(`  octoroute, WHATWG request (before)     ${fmt(wLat!.p50, 3).padStart(7)}  ${fmt(wLat!.p99, 3).padStart(7)}`);
  out(`  octoroute + SQLite ledger, budgets     ${fmt(cLat!.p50, 3).padStart(7)}  ${fmt(cLat!.p99, 3).padStart(7)}`);
  const addedP50 = oLat!.p50 - dLat!.p50;
  out(`  added p50 over direct: octoroute ${fmt(addedP50, 3)} ms, floor ${fmt(fLat!.p50 - dLat!.p50, 3)} ms`);
  out("");
  out("streaming time to first byte (ms)           p50      p99");
  out(`  direct (sim)                           ${fmt(dTtfb!.p50, 3).padStart(7)}  ${fmt(dTtfb!.p99, 3).padStart(7)}`);
  out(`  floor proxy                            ${fmt(fTtfb!.p50, 3).padStart(7)}  ${fmt(fTtfb!.p99, 3).padStart(7)}`);
  out(`  hono proxy                             ${fmt(hTtfb!.p50, 3).padStart(7)}  ${fmt(hTtfb!.p99, 3).padStart(7)}`);
  out(`  octoroute                              ${fmt(oTtfb!.p50, 3).padStart(7)}  ${fmt(oTtfb!.p99, 3).padStart(7)}`);
  out(`  TTFB overhead over direct: octoroute ${fmt(oTtfb!.p50 - dTtfb!.p50, 3)} ms, floor ${fmt(fTtfb!.p50 - dTtfb!.p50, 3)} ms`);
  out("");
  out("memory (gateway child process)");
  out(`  peak RSS during the load run: ${mb(gwMem.peak)} (floor proxy: ${mb(floorMem.peak)}; octoroute + ledger: ${mb(ledgerMem.peak)}); in the leak run: ${mb(freshPeak)}`);
  const growth = rssTotal / rssFirst - 1;
  out(`  RSS after ${RSS_FIRST / 1000}k requests: ${mb(rssFirst)}; after ${RSS_TOTAL / 1000}k: ${mb(rssTotal)} (${growth >= 0 ? "+" : ""}${fmt(growth * 100, 1)}%)`);
  out(`  JS heap after GC: ${mb(memFirst.heapUsed)} → ${mb(memTotal.heapUsed)} (leak check); old space committed ${mb(memFirst.oldSpaceCommitted)} → ${mb(memTotal.oldSpaceCommitted)}`);
  out(`  after the load run: heap used ${mb(gwMemAfterGc.heapUsed)} of ${mb(gwMemAfterGc.heapTotal)} committed`);
  out("");
  out("is the Hono adapter's web-stream path the bottleneck? (same pass-through, Hono vs plain node:http)");
  for (const c of CONCURRENCY) out(`  c=${String(c).padEnd(3)} hono proxy ${fmt(h[c]!.rps / f[c]!.rps)}x floor; octoroute ${fmt(o[c]!.rps / h[c]!.rps)}x hono proxy`);
  out("before/after: request through the adapter's WHATWG Request (body stream, signal) vs Node-native (IncomingMessage body, ServerResponse close)");
  for (const c of CONCURRENCY) out(`  c=${String(c).padEnd(3)} before ${fmt(w[c]!.rps, 0)} req/s (${fmt(w[c]!.rps / f[c]!.rps)}x floor) → after ${fmt(o[c]!.rps, 0)} req/s (${fmt(o[c]!.rps / f[c]!.rps)}x floor)`);
  out(`  CPU per request: before ${fmt(1000 * cpuPer("oct. webstream"), 0)} µs → after ${fmt(1000 * cpuPer("octoroute"), 0)} µs; c=1 p50 ${fmt(wLat!.p50, 3)} → ${fmt(oLat!.p50, 3)} ms`);
  out("");
  out("targets (the gateway with auth, usage accounting and headers on)");
  out(`  ${verdict(o[16]!.rps >= 0.7 * f[16]!.rps)}  req/s ≥ 0.7× floor at c=16: ${fmt(o[16]!.rps / f[16]!.rps)}x`);
  out(`  ${verdict(o[64]!.rps >= 0.7 * f[64]!.rps)}  req/s ≥ 0.7× floor at c=64: ${fmt(o[64]!.rps / f[64]!.rps)}x`);
  out(`  ${verdict(addedP50 <= 0.3)}  added p50 ≤ 0.3 ms over direct at c=1: ${fmt(addedP50, 3)} ms`);
  out(`  ${verdict(Math.max(gwMem.peak, freshPeak) <= 150 * 1024 * 1024)}  peak RSS ≤ 150 MB: ${mb(Math.max(gwMem.peak, freshPeak))}`);
  out(`  ${verdict(Math.abs(growth) <= 0.1)}  RSS(${RSS_TOTAL / 1000}k) within 10% of RSS(${RSS_FIRST / 1000}k): ${fmt(growth * 100, 1)}%`);
  const k = table["oct. +ledger"]!;
  out("the same targets with the SQLite usage ledger (background thread) and the budget store on as well");
  out(`  ${verdict(k[16]!.rps >= 0.7 * f[16]!.rps)}  req/s ≥ 0.7× floor at c=16: ${fmt(k[16]!.rps / f[16]!.rps)}x`);
  out(`  ${verdict(k[64]!.rps >= 0.7 * f[64]!.rps)}  req/s ≥ 0.7× floor at c=64: ${fmt(k[64]!.rps / f[64]!.rps)}x`);
  out(`  ${verdict(cLat!.p50 - dLat!.p50 <= 0.3)}  added p50 ≤ 0.3 ms over direct at c=1: ${fmt(cLat!.p50 - dLat!.p50, 3)} ms`);
  out(`  ${verdict(ledgerMem.peak <= 150 * 1024 * 1024)}  peak RSS ≤ 150 MB: ${mb(ledgerMem.peak)}`);
  console.log(lines.join("\n"));

  const file = join(RESULTS, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ seconds: SECONDS, quick: QUICK, table, cpuPerRequestUs: Object.fromEntries(targets.map((t) => [t.name, (1000 * cpu[t.name]!.ms) / cpu[t.name]!.requests])), c1: { direct: dLat, floor: fLat, hono: hLat, octoroute: oLat, webstream: wLat, withLedger: cLat }, ttfb: { direct: dTtfb, floor: fTtfb, hono: hTtfb, octoroute: oTtfb }, memory: { gateway: gwMem, gwMemAfterGc, floor: floorMem, withLedger: ledgerMem, memFirst, memTotal, freshPeak } }, null, 2));
  console.log(`\nraw figures: ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
