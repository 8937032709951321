/**
 * One benchmark participant per process, so each has its own CPU and its RSS is its own:
 * `child.ts sim` | `child.ts floor <upstream-origin>` | `child.ts hono <upstream-origin>` |
 * `child.ts gateway <sim-url>` | `child.ts gateway-ledger <sim-url>` | `child.ts gateway-webstream <sim-url>`. Started by
 * `bench/run.ts` with an IPC channel: the child sends `{ready, url}`; the parent may ask
 * `{cmd: "mem"}` and gets `{rss, heapUsed}` back after a full GC (run with `--expose-gc`).
 * Each role imports only what it runs, so the floor proxy's RSS is not inflated by the gateway.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";
import { BENCH_KEY } from "./key.js";

async function startBenchGateway(simUrl: string, nativeBody = true, accounting = true): Promise<string> {
  const [{ parseConfig }, { startGateway }, { sha256Hex }] = await Promise.all([
    import("../src/config/loader.js"),
    import("../src/node.js"),
    import("../src/tenants/keys.js"),
  ]);
  const raw = {
    server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 1000 },
    database: { path: join(mkdtempSync(join(tmpdir(), "octoroute-bench-")), "bench.db") },
    providers: { sim: { type: "openai", preset: "sim", baseUrl: simUrl, connections: 256 } },
    models: { "sim-fast": { provider: "sim", price: { input: 0.05, output: 0.2 } } },
    tenants: { bench: { keys: [`sha256:${await sha256Hex(BENCH_KEY)}`], models: ["*"], routes: ["*"] } },
    // BENCH_GATEWAY_CONFIG: top-level sections merged in (e.g. `{"ledger":{"enabled":false}}`).
    ...(JSON.parse(process.env.BENCH_GATEWAY_CONFIG ?? "{}") as Record<string, unknown>),
  };
  // Usage accounting on: every request's summary (records, cost) goes to a per-tenant tally,
  // the same hook the ledger and metrics hang on.
  const spent = new Map<string, number>();
  const gw = await startGateway({
    config: parseConfig(JSON.stringify(raw), process.env, "bench config"),
    port: 0,
    startSim: false,
    log: () => {},
    nativeBody,
    accounting,
    hooks: { onRequestEnd: (s) => spent.set(s.tenant, (spent.get(s.tenant) ?? 0) + (s.totals.costUsd ?? 0)) },
  });
  return gw.url;
}

// BENCH_V8_FLAGS: V8 flags set at run time before anything starts (probing GC settings).
if (process.env.BENCH_V8_FLAGS) setFlagsFromString(process.env.BENCH_V8_FLAGS);

async function main(): Promise<string> {
  const [role, target] = process.argv.slice(2);
  if (role === "sim") {
    const { startSim } = await import("../src/sim/server.js");
    return (await startSim({ port: 0 })).url.replace(/\/v1$/, "");
  }
  if (role === "floor") {
    const { startFloorProxy } = await import("./floor-proxy.js");
    return (await startFloorProxy(target!)).url;
  }
  if (role === "hono") {
    const { startHonoProxy } = await import("./hono-proxy.js");
    return startHonoProxy(target!);
  }
  // The gateway as issue 2 defines it: auth, routing, metering of every call into the request's
  // account, cost headers and metrics, with no persistent ledger or budget store (`accounting: false`).
  if (role === "gateway" || role === "gateway-core") return startBenchGateway(target!, true, false);
  // The same with the SQLite usage ledger (its background thread) and the budget store on.
  if (role === "gateway-ledger") return startBenchGateway(target!, true, true);
  // The gateway, reading request bodies through the adapter's WHATWG stream (the "before").
  if (role === "gateway-webstream") return startBenchGateway(target!, false, false);
  throw new Error(`unknown role ${role}`);
}

// `{cmd: "eld"}` → the request thread's event-loop delay since the last ask (p50/p99/max in ms):
// how long a ready callback waited, which is what a request's tail latency is made of.
const { monitorEventLoopDelay } = await import("node:perf_hooks");
const eld = monitorEventLoopDelay({ resolution: 1 });
eld.enable();
process.on("message", (msg: { cmd?: string }) => {
  if (msg?.cmd !== "eld") return;
  process.send?.({ eld: { p50: eld.percentile(50) / 1e6, p99: eld.percentile(99) / 1e6, max: eld.max / 1e6 } });
  eld.reset();
});

// Exit normally on SIGINT so `--cpu-prof` writes its profile.
process.on("SIGINT", () => process.exit(0));
const url = await main();
process.on("message", async (msg: { cmd?: string }) => {
  // `{cmd: "heap"}` → memory as it is right now (no GC): where the resident set goes under load.
  if (msg?.cmd === "heap") {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
    process.send?.({ heap: { ...process.memoryUsage(), spaces } });
    return;
  }
  // `{cmd: "snapshot", file}` → a heap snapshot written to `file` (profiling what load keeps alive).
  if (msg?.cmd === "snapshot") {
    const { writeHeapSnapshot } = await import("node:v8");
    process.send?.({ snapshot: writeHeapSnapshot((msg as { file?: string }).file) });
    return;
  }
  if (msg?.cmd === "mem") {
    // Retained memory, not what the last burst left committed: a full GC (of the background
    // thread too), a moment of idleness (V8 gives unused heap pages back on its own schedule
    // after load stops), and another GC.
    const gc = (globalThis as { gc?: () => void }).gc;
    const { collectBackgroundGarbage } = await import("../src/node/background.js");
    gc?.();
    await collectBackgroundGarbage();
    await new Promise((r) => setTimeout(r, 1500));
    gc?.();
    await collectBackgroundGarbage();
    const m = process.memoryUsage();
    const oldSpace = getHeapSpaceStatistics().find((s) => s.space_name === "old_space");
    process.send?.({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, oldSpaceCommitted: oldSpace?.space_size ?? 0 });
  }
});
process.send?.({ ready: true, url });
