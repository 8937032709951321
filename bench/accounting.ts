/**
 * `npm run bench:accounting`: what exact accounting costs. Two gateways, each in its own process,
 * in front of the same sim (its own process): OFF is the bare core (`createApp` with no hooks:
 * no ledger, no budgets, no telemetry); ON is `startGateway` with the SQLite ledger, budgets and
 * rate limits configured on tenant and key (checked on every request, never refusing), and
 * OpenTelemetry tracing every request with OTLP/HTTP export to a local sink. Load: 16 concurrent
 * requests over kept-alive connections, timed with hrtime, in slices that alternate OFF/ON so
 * drift on this shared machine hits both alike. Targets: ON ≥ 0.9× OFF req/s, p99 added ≤ 1 ms.
 * Then both again at a fixed offered rate (open loop, a quarter of OFF's rate): the latency
 * accounting adds when the gateway is not saturated. The OTLP sink runs in its own process.
 *
 * Env: BENCH_SECONDS (per target, default 12), BENCH_CONCURRENCY (default 16), BENCH_PARTS
 * (extra targets to find where time goes, e.g. `ledger,budgets,otel`: `startGateway` with only
 * those parts on; `none` = `startGateway` with all three off; `redis`: budgets counted in a
 * redis-server the bench starts), BENCH_PROFILE=1 (every gateway
 * child writes a `--cpu-prof` profile to bench/results/ when the run ends), BENCH_NODE_ARGS (extra
 * node flags for the gateway children, e.g. `--trace-gc`), BENCH_GATEWAY_CONFIG (JSON merged into
 * every gateway's config), BENCH_HEAP=1 (allocation profiles, garbage included, in bench/results/; `survivors`: only
 * what outlived a young-generation GC, i.e. what gets promoted),
 * BENCH_TSX=1 (run the children through tsx instead of the compiled tree).
 */
import { type ChildProcess, fork, spawn as spawnProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { buildForBench } from "./build.js";
import { BENCH_KEY } from "./key.js";

const SELF = fileURLToPath(import.meta.url);
/** bench/results/ of the checkout (children run from the compiled tree and are told where it is). */
const RESULTS = process.env.BENCH_RESULTS ?? join(dirname(SELF), "results");
/** The script children run: the compiled bench (as `npm start` runs the gateway) unless BENCH_TSX=1. */
let childScript = SELF;
let childLoader = ["--import", "tsx"];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BODY = JSON.stringify({ model: "sim-fast", messages: [{ role: "user", content: "Say something short." }], max_tokens: 16 });
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${BENCH_KEY}` };

/** `redis`: budgets counted in Redis (`counters.url`; the bench starts a redis-server for it). */
type Part = "ledger" | "budgets" | "otel" | "redis";
const ALL: Part[] = ["ledger", "budgets", "otel"];

/** The bench gateway's config with the given parts on: ledger, budgets + limits, OTLP export. */
async function benchConfig(simUrl: string, parts: Part[], otlp?: string): Promise<Record<string, unknown>> {
  const { sha256Hex } = await import("../src/tenants/keys.js");
  const hash = `sha256:${await sha256Hex(BENCH_KEY)}`;
  const huge = { budget: { usdPerDay: 1e9, usdPerMonth: 1e9 }, limits: { rpm: 1e9, tpm: 1e12 } };
  const budgets = parts.includes("budgets") || parts.includes("redis");
  return {
    server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 1000 },
    database: { path: join(mkdtempSync(join(tmpdir(), "octoroute-bench-acct-")), "bench.db") },
    providers: { sim: { type: "openai", preset: "sim", baseUrl: `${simUrl}/v1`, connections: 64 } },
    models: { "sim-fast": { provider: "sim", price: { input: 0.05, output: 0.2 } } },
    ledger: { enabled: parts.includes("ledger") },
    tenants: { bench: { keys: budgets ? [{ id: "bench-key", hash, ...huge }] : [hash], models: ["*"], ...(budgets ? huge : {}) } },
    ...(parts.includes("redis") ? { counters: { url: process.env.BENCH_REDIS_URL, prefix: `bench-${process.pid}:` } } : {}),
    ...(parts.includes("otel") && otlp ? { telemetry: { otlp: { endpoint: otlp, metricsIntervalMs: Number(process.env.BENCH_METRICS_MS ?? 1000) }, sampling: { ratio: 1 } } } : {}),
    // BENCH_GATEWAY_CONFIG: top-level sections merged into every gateway's config (to see what a setting costs).
    ...(JSON.parse(process.env.BENCH_GATEWAY_CONFIG ?? "{}") as Record<string, unknown>),
  };
}

/** The gateway this child runs (roles other than `sim` and `off`). */
let running: import("../src/node.js").RunningGateway | undefined;

/** Child process roles: `sim`, `off <simUrl>`, `<parts|all|none> <simUrl> <otlpUrl>`. */
async function child(role: string, simUrl?: string, otlp?: string): Promise<string> {
  if (role === "sink") {
    // Accepts every export and counts the spans of each gateway (each exports under its own path prefix).
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on("data", (d: Buffer) => parts.push(d));
      req.on("end", () => {
        sinkState.exports++;
        const target = (req.url ?? "").split("/")[1] ?? "";
        if (req.url?.endsWith("/v1/traces")) {
          // Counts spans without parsing the export: a collector runs elsewhere in a deployment,
          // and parsing here took CPU from the gateway under test (~10 µs per request on this
          // machine). OTLP/JSON: by `"spanId"` keys (`"parentSpanId"` does not match: no `"`
          // before `spanId`; the gateway's spans carry no links). Protobuf: by walking the
          // messages' length prefixes down to the spans.
          const body = Buffer.concat(parts);
          let n = 0;
          if (body[0] === 0x7b) for (let at = body.indexOf(SPAN_ID_KEY); at !== -1; at = body.indexOf(SPAN_ID_KEY, at + SPAN_ID_KEY.length)) n++;
          else n = countProtobufSpans(body);
          sinkState.spans[target] = (sinkState.spans[target] ?? 0) + n;
        }
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  if (role === "sim") {
    const { startSim } = await import("../src/sim/server.js");
    return (await startSim({ port: 0 })).url.replace(/\/v1$/, "");
  }
  const { parseConfig } = await import("../src/config/loader.js");
  const parts: Part[] = role === "on" ? ALL : role === "off" || role === "none" ? [] : (role.split("+") as Part[]);
  const config = parseConfig(JSON.stringify(await benchConfig(simUrl!, parts, otlp)), process.env, "bench config");
  if (role !== "off") {
    const { startGateway } = await import("../src/node.js");
    running = await startGateway({ config, port: 0, startSim: false, log: () => {} });
    return running.url;
  }
  // OFF: the same app and HTTP stack, with no hooks at all, and the same process-wide GC setting.
  const [{ serve }, { createApp }, { buildRuntime }, { undiciHttpClient }, { applyHeapGrowth, applyPretenuring }, { useSharedDeadlineTimer }] = await Promise.all([
    import("@hono/node-server"),
    import("../src/app.js"),
    import("../src/runtime.js"),
    import("../src/node/undici-http.js"),
    import("../src/node/heap-tuning.js"),
    import("../src/providers/deadlines.js"),
  ]);
  applyHeapGrowth(config.server.heapGrowthPercent);
  applyPretenuring(config.server.pretenuring);
  // Upstream timeouts watched as the Node entry watches them (one shared interval).
  useSharedDeadlineTimer();
  const runtime = buildRuntime(config, undiciHttpClient({ connections: 64, connectTimeoutMs: 1000 }));
  const server = serve({ fetch: createApp({ runtime: () => runtime }).fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The key every OTLP/JSON span has once (the sink counts spans by it). */
const SPAN_ID_KEY = Buffer.from('"spanId"');

/**
 * Spans in a protobuf ExportTraceServiceRequest: field 1 (ResourceSpans) → field 2 (ScopeSpans)
 * → field 2 (Span), each length-delimited; only lengths are read, never the spans themselves.
 */
function countProtobufSpans(buf: Buffer): number {
  const varint = (at: number): [number, number] => {
    let v = 0;
    let shift = 1;
    while (buf[at]! & 0x80) {
      v += (buf[at++]! & 0x7f) * shift;
      shift *= 128;
    }
    return [v + buf[at]! * shift, at + 1];
  };
  /** Calls `visit(start, end)` for each length-delimited `field` in [from, to); skips the rest. */
  const each = (from: number, to: number, field: number, visit: (start: number, end: number) => void) => {
    let at = from;
    while (at < to) {
      const [tag, next] = varint(at);
      at = next;
      const wire = tag & 7;
      if (wire === 2) {
        const [len, start] = varint(at);
        if (tag >>> 3 === field) visit(start, start + len);
        at = start + len;
      } else if (wire === 0) at = varint(at)[1];
      else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else return;
    }
  };
  let n = 0;
  each(0, buf.length, 1, (rs, rsEnd) => each(rs, rsEnd, 2, (ss, ssEnd) => each(ss, ssEnd, 2, () => void n++)));
  return n;
}

/** What the sink child received so far. */
const sinkState = { exports: 0, spans: {} as Record<string, number> };

function sinkCounts(proc: ChildProcess): Promise<typeof sinkState> {
  return new Promise((resolve) => {
    const on = (m: { sink?: typeof sinkState }) => {
      if (!m.sink) return;
      proc.off("message", on);
      resolve(m.sink);
    };
    proc.on("message", on);
    proc.send({ cmd: "sink" });
  });
}

/** Asks a child to finish its queued accounting (ledger rows, spans); resolves when it has. */
function flushOf(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const on = (m: { flushed?: boolean }) => {
      if (!m.flushed) return;
      proc.off("message", on);
      resolve();
    };
    proc.on("message", on);
    proc.send({ cmd: "flush" });
  });
}

/** Asks a gateway child to flush its ledger and telemetry and count its ledger rows. */
function ledgerCount(proc: ChildProcess): Promise<{ requests: number; calls: number }> {
  return new Promise((resolve) => {
    const on = (m: { counts?: { requests: number; calls: number } }) => {
      if (!m.counts) return;
      proc.off("message", on);
      resolve(m.counts);
    };
    proc.on("message", on);
    proc.send({ cmd: "counts" });
  });
}

/** CPU time a child has used, in µs: all threads, and its main (request) thread alone (Linux). */
function cpuOf(proc: ChildProcess): Promise<{ cpu: number; main: number }> {
  return new Promise((resolve) => {
    const on = (m: { cpu?: number; main?: number }) => {
      if (m.cpu === undefined) return;
      proc.off("message", on);
      resolve({ cpu: m.cpu, main: m.main ?? m.cpu });
    };
    proc.on("message", on);
    proc.send({ cmd: "cpu" });
  });
}

/** This process's CPU time (all threads) in µs. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** This process's main thread's CPU time in µs, from /proc (undefined where there is none). */
function mainThreadCpu(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime (fields 14 and 15 of stat) are in clock ticks, 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

function spawn(args: string[]): Promise<{ proc: ChildProcess; url: string }> {
  const profile = process.env.BENCH_PROFILE === "1" && args[0] !== "sim" ? ["--cpu-prof", "--cpu-prof-dir", RESULTS] : [];
  const extra = args[0] !== "sim" && process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : [];
  const proc = fork(childScript, ["--child", ...args], { execArgv: [...childLoader, ...profile, ...extra], env: { ...process.env, BENCH_RESULTS: RESULTS }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
    proc.on("message", (m: { url?: string }) => m.url && resolve({ proc, url: m.url }));
  });
}

/**
 * Open-loop load for `ms` at a fixed rate: requests start on a schedule whatever the gateway's
 * pace, and each latency counts from its scheduled start (a request that had to wait for a free
 * connection is charged the wait), so the percentiles are those a client population sending at
 * that rate sees — not shortened by a closed loop slowing down with the server.
 */
async function openLoop(url: string, rps: number, ms: number): Promise<{ latencies: number[]; errors: number }> {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const interval = 1e9 / rps;
  const started = process.hrtime.bigint();
  const total = Math.floor((rps * ms) / 1000);
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < total; i++) {
    const due = started + BigInt(Math.round(i * interval));
    // Sleep until close to the request's slot (timers are coarse), then send.
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await new Promise((r) => setTimeout(r, wait - 0.5));
    // Late: the wait for the slot counts. Early (the timer woke before it): from the send.
    const sent = process.hrtime.bigint();
    const from = sent < due ? sent : due;
    inFlight.push(
      pool
        .request({ path: "/v1/chat/completions", method: "POST", headers: HEADERS, body: BODY })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode !== 200) errors++;
          else latencies.push(Number(process.hrtime.bigint() - from) / 1e6);
        })
        .catch(() => void errors++),
    );
  }
  await Promise.all(inFlight);
  await pool.close();
  return { latencies, errors };
}

/** Closed-loop load for `ms`: CONCURRENCY workers, one request at a time each. */
async function slice(url: string, ms: number): Promise<{ latencies: number[]; count: number; errors: number; elapsed: number }> {
  const pool = new Pool(url, { connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  const started = process.hrtime.bigint();
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < until) {
        const t0 = process.hrtime.bigint();
        try {
          const res = await pool.request({ path: "/v1/chat/completions", method: "POST", headers: HEADERS, body: BODY });
          await res.body.dump();
          if (res.statusCode !== 200) errors++;
          else latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.close();
  return { latencies, count: latencies.length, errors, elapsed };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main() {
  // OTLP sink in a process of its own (as a collector on the same host would be): parsing a
  // second's worth of spans takes milliseconds, which in this process would stall the load
  // generator and be charged to the requests of the gateway that exports.
  const sink = await spawn(["sink"]);
  const otlp = sink.url;

  mkdirSync(RESULTS, { recursive: true });
  if (process.env.BENCH_TSX !== "1") {
    childScript = join(await buildForBench(join(dirname(SELF), "..")), "bench", "accounting.js");
    childLoader = [];
  }
  // A throwaway redis-server for targets with the `redis` part (BENCH_PARTS=redis, budgets+redis, ...).
  let redis: ChildProcess | undefined;
  if ((process.env.BENCH_PARTS ?? "").includes("redis")) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    redis = spawnProcess("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve, reject) => {
      redis!.stdout!.on("data", (d: Buffer) => d.toString().includes("Ready to accept connections") && resolve());
      redis!.once("error", reject);
    });
    process.env.BENCH_REDIS_URL = `redis://127.0.0.1:${port}`;
  }
  const sim = await spawn(["sim"]);
  const off = await spawn(["off", sim.url]);
  const on = await spawn(["on", sim.url, `${otlp}/on`]);
  const targets = [
    { name: "off", url: off.url, proc: off.proc },
    { name: "on", url: on.url, proc: on.proc },
  ];
  const extra = (process.env.BENCH_PARTS ?? "").split(",").filter(Boolean);
  const extraProcs: ChildProcess[] = [];
  for (const role of extra) {
    const c = await spawn([role, sim.url, `${otlp}/${role}`]);
    extraProcs.push(c.proc);
    targets.push({ name: role, url: c.url, proc: c.proc });
  }
  console.log(`accounting bench: c=${CONCURRENCY}, ${SECONDS}s per target in alternating slices, node ${process.version}`);
  const warm = targets.map(() => 0);
  for (const [i, t] of targets.entries()) warm[i] = (await slice(t.url, 1500)).count; // warm-up

  const slices = Math.max(2, Math.round(SECONDS / 2));
  const acc = targets.map(() => ({ latencies: [] as number[], count: 0, errors: 0, elapsed: 0, cpu: 0, main: 0, machine: 0 }));
  const helpers = [sim.proc, sink.proc];
  for (let s = 0; s < slices; s++) {
    // Rotate the order too, so no target always runs right after another.
    const order = targets.map((_, i) => (i + s) % targets.length);
    for (const i of order) {
      const cpu0 = await cpuOf(targets[i]!.proc);
      // Everything else this run's requests cost on the machine: the load generator (this
      // process), the sim and the OTLP sink.
      const others0 = (await Promise.all(helpers.map(cpuOf))).reduce((t, c) => t + c.cpu, 0) + cpuNow();
      const r = await slice(targets[i]!.url, (SECONDS * 1000) / slices);
      // Work a slice left queued (ledger rows, spans) is done before the next target runs and
      // is charged to this one, time and CPU: deferred work must not slow the next target down
      // or vanish from this one's figures.
      const flushStarted = process.hrtime.bigint();
      await flushOf(targets[i]!.proc);
      const flushSeconds = Number(process.hrtime.bigint() - flushStarted) / 1e9;
      const a = acc[i]!;
      const cpu1 = await cpuOf(targets[i]!.proc);
      a.cpu += cpu1.cpu - cpu0.cpu;
      a.main += cpu1.main - cpu0.main;
      a.machine += (await Promise.all(helpers.map(cpuOf))).reduce((t, c) => t + c.cpu, 0) + cpuNow() - others0;
      for (const l of r.latencies) a.latencies.push(l);
      a.count += r.count;
      a.errors += r.errors;
      a.elapsed += r.elapsed + flushSeconds;
    }
  }
  const stats = acc.map((a) => {
    const sorted = a.latencies.sort((x, y) => x - y);
    return { rps: a.count / a.elapsed, p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), errors: a.errors, count: a.count, cpuPerReq: a.cpu / Math.max(1, a.count), mainPerReq: a.main / Math.max(1, a.count), othersPerReq: a.machine / Math.max(1, a.count) };
  });
  stats.forEach((s, i) => console.log(`  ${targets[i]!.name.padEnd(20)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  CPU ${s.cpuPerReq.toFixed(0)} µs/req  (${s.count} requests, ${s.errors} errors)`));
  console.log("  CPU per request, µs: gateway's request thread / its other threads (background thread, GC helpers) / load generator + sim + OTLP sink");
  stats.forEach((s, i) => console.log(`    ${targets[i]!.name.padEnd(18)} ${s.mainPerReq.toFixed(0).padStart(4)} / ${(s.cpuPerReq - s.mainPerReq).toFixed(0).padStart(4)} / ${s.othersPerReq.toFixed(0).padStart(4)}`));
  const ratio = stats[1]!.rps / stats[0]!.rps;
  const addedP99 = stats[1]!.p99 - stats[0]!.p99;
  console.log(`  on/off req/s ratio ${ratio.toFixed(3)} (target >= 0.9): ${ratio >= 0.9 ? "PASS" : "MISS"}`);
  console.log(`  p99 added ${addedP99.toFixed(3)} ms (target <= 1 ms): ${addedP99 <= 1 ? "PASS" : "MISS"}`);
  console.log(`  CPU per request on/off ${(stats[1]!.cpuPerReq / stats[0]!.cpuPerReq).toFixed(3)} (the throughput bound when the gateway is CPU-bound: 1/ratio)`);
  const sunk = await sinkCounts(sink.proc);
  console.log(`  OTLP exports received: ${sunk.exports}`);

  // The same gateways at a fixed offered rate well below what either can do (a quarter of OFF's
  // closed-loop rate by default, BENCH_OPEN_RATE_SHARE): the latency accounting adds where the
  // gateway is not saturated, which is where a deployment runs. Alternating slices again, latency
  // from each request's slot. At half the rate, this machine's two cores made the load generator
  // itself the tail (p99 ~19 ms for OFF as well).
  const rate = Math.round(Number(process.env.BENCH_OPEN_RATE_SHARE ?? 0.25) * stats[0]!.rps);
  // BENCH_OPEN_RATE_SHARE=0 skips this phase (a rate of 0 would never finish a slice).
  const open = targets.map(() => ({ latencies: [] as number[], errors: 0 }));
  for (let s = 0; rate > 0 && s < slices; s++) {
    for (const i of targets.map((_, i) => (i + s) % targets.length)) {
      const r = await openLoop(targets[i]!.url, rate, (SECONDS * 1000) / slices);
      await flushOf(targets[i]!.proc);
      open[i]!.latencies.push(...r.latencies);
      open[i]!.errors += r.errors;
    }
  }
  const openStats = open.map((o) => {
    const sorted = o.latencies.sort((x, y) => x - y);
    return { p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), count: sorted.length, errors: o.errors };
  });
  if (rate > 0) {
    console.log(`  at a fixed ${rate} req/s (open loop, ${Math.round((100 * rate) / stats[0]!.rps)}% of OFF's closed-loop rate):`);
    openStats.forEach((o, i) => console.log(`    ${targets[i]!.name.padEnd(18)} p50 ${o.p50.toFixed(3)} ms  p99 ${o.p99.toFixed(3)} ms  (${o.count} requests, ${o.errors} errors)`));
    const openAdded = openStats[1]!.p99 - openStats[0]!.p99;
    console.log(`    on − off: p50 ${(openStats[1]!.p50 - openStats[0]!.p50).toFixed(3)} ms, p99 ${openAdded.toFixed(3)} ms (informational: the target above is measured at c=${CONCURRENCY})`);
  }
  // Nothing may be lost to keep up: every request ON served has its spans at the collector and
  // its rows in the ledger once the gateway has flushed (the background thread runs at a lower
  // priority, so this is where falling behind would show).
  const served = stats[1]!.count + warm[1]! + openStats[1]!.count;
  const kept = await ledgerCount(on.proc);
  const spans = (await sinkCounts(sink.proc)).spans.on ?? 0;
  console.log(`  ON served ${served} requests (2xx); ledger request rows ${kept.requests}, call rows ${kept.calls}; spans at the collector ${spans} (expected ${2 * served})`);
  const complete = kept.requests === served && kept.calls === served && spans === 2 * served;
  console.log(`  nothing lost: ${complete ? "PASS" : "MISS"}`);

  for (const p of [on.proc, off.proc, ...extraProcs, sim.proc]) p.kill("SIGINT");
  redis?.kill("SIGKILL");
  sink.proc.kill("SIGINT");
}

if (process.argv[2] === "--child") {
  // BENCH_HEAP=1: sample every allocation (garbage included) and write a .heapprofile on exit;
  // BENCH_HEAP=survivors: only what outlived a young-generation GC (promoted, or still live).
  const heap = (process.env.BENCH_HEAP === "1" || process.env.BENCH_HEAP === "survivors") && process.argv[3] !== "sim" ? await startHeapSampling(process.argv[3]!) : undefined;
  process.on("SIGINT", async () => {
    await heap?.();
    process.exit(0);
  });
  const url = await child(process.argv[3]!, process.argv[4], process.argv[5]);
  process.on("message", async (m: { cmd?: string }) => {
    if (m?.cmd === "sink") process.send?.({ sink: sinkState });
    // `{cmd: "snapshot", file}` → a heap snapshot (what load keeps alive; for probes).
    if (m?.cmd === "snapshot") {
      const { writeHeapSnapshot } = await import("node:v8");
      process.send?.({ snapshot: writeHeapSnapshot((m as { file?: string }).file) });
    }
    if (m?.cmd === "cpu") {
      const u = process.cpuUsage();
      process.send?.({ cpu: u.user + u.system, main: mainThreadCpu() });
    }
    if (m?.cmd === "flush") {
      await running?.telemetry.telemetry.flush();
      await running?.accounting?.ledger?.flush();
      process.send?.({ flushed: true });
    }
    if (m?.cmd === "counts") {
      await running?.telemetry.telemetry.flush();
      const ledger = running?.accounting?.ledger;
      await ledger?.flush();
      process.send?.({ counts: (await ledger?.backend.counts()) ?? { requests: 0, calls: 0 } });
    }
  });
  process.send?.({ url });
} else {
  await main();
}

async function startHeapSampling(role: string): Promise<() => Promise<void>> {
  const { Session } = await import("node:inspector/promises");
  const { writeFileSync } = await import("node:fs");
  const session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.BENCH_HEAP !== "survivors" } as object);
  return async () => {
    const { profile } = (await session.post("HeapProfiler.stopSampling")) as { profile: unknown };
    writeFileSync(join(RESULTS, `accounting-${role}.heapprofile`), JSON.stringify(profile));
  };
}
