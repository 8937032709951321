/**
 * The gateway's V8 garbage-collector settings, on Node.
 *
 * **Heap growth.** How far V8 lets the JavaScript heap grow between full collections.
 *
 * After each full GC, V8 lets the old generation grow to the live size times a factor before the
 * next one. On a machine with a large heap limit (any with ≥ 2 GB, so every server) it allows up
 * to 4×: under load the gateway's ~20 MB of live objects let the heap swell to ~90 MB of mostly
 * garbage, promoted from requests in flight, and the process's peak RSS to ~200 MB. A factor of
 * 1.6 (`--heap-growing-percent=60`) kept the peak at ~137 MB in `npm run bench`, for ~5% more CPU
 * per request (full collections of a small heap are cheap); see docs/performance.md.
 *
 * V8 reads this flag at every full GC, so it can be set after start. A flag the operator gave on
 * node's command line wins over the config (V8 refuses this flag in NODE_OPTIONS).
 *
 * **Pretenuring.** V8 watches which allocation sites make objects that survive a young-generation
 * GC and may allocate later objects of such a site in the old generation directly. On the
 * gateway's request path that bet loses: its objects live for one request, and pretenured ones
 * (and the young objects they point to, which the young-generation GC must then keep) are
 * reclaimed only by full collections. Measured at 1,100 req/s open loop (`--trace-gc-nvp`):
 * 780 → 210 KB promoted per young-generation GC for the bare app, 870 → 380 KB with ledger,
 * budgets and spans on, two to four times fewer full GCs, and a p99 of 2–5 ms instead of 5–10
 * (docs/performance.md). V8 reads the flag whenever it decides, so it can be set after start, before
 * any site has been decided.
 */
import { setFlagsFromString } from "node:v8";

const FLAG = "--heap-growing-percent";

/** True when one of `names` (V8 accepts `-` or `_` inside a flag, and `--no-` to negate) was given on node's command line. */
function givenByOperator(...names: string[]): boolean {
  const forms = names.flatMap((n) => [n, n.replace(/-/g, "_")]).flatMap((n) => [`--${n}`, `--no-${n}`, `--no${n}`]);
  return process.execArgv.some((a) => forms.some((f) => a === f || a.startsWith(`${f}=`)));
}

/**
 * Applies `server.heapGrowthPercent`: "set" (the flag is now that value), "operator" (node's
 * command line set it; left alone), or "v8" (0: V8's own heuristic).
 */
export function applyHeapGrowth(percent: number): "set" | "operator" | "v8" {
  if (givenByOperator("heap-growing-percent")) return "operator";
  if (percent <= 0) return "v8";
  setFlagsFromString(`${FLAG}=${Math.round(percent)}`);
  return "set";
}

/** Applies `server.pretenuring`: "set", or "operator" (node's command line has either flag; left alone). */
export function applyPretenuring(enabled: boolean): "set" | "operator" {
  if (givenByOperator("allocation-site-pretenuring")) return "operator";
  setFlagsFromString(enabled ? "--allocation-site-pretenuring" : "--no-allocation-site-pretenuring");
  return "set";
}
