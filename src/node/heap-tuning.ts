/**
 * How far V8 lets the JavaScript heap grow between full collections, on Node.
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
 */
import { setFlagsFromString } from "node:v8";

const FLAG = "--heap-growing-percent";

/** True when `--heap-growing-percent` was given on this process's command line. */
function givenByOperator(): boolean {
  return process.execArgv.some((a) => a === FLAG || a.startsWith(`${FLAG}=`) || a.startsWith("--heap_growing_percent"));
}

/**
 * Applies `server.heapGrowthPercent`: "set" (the flag is now that value), "operator" (node's
 * command line set it; left alone), or "v8" (0: V8's own heuristic).
 */
export function applyHeapGrowth(percent: number): "set" | "operator" | "v8" {
  if (givenByOperator()) return "operator";
  if (percent <= 0) return "v8";
  setFlagsFromString(`${FLAG}=${Math.round(percent)}`);
  return "set";
}
