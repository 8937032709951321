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
 * V8 reads this flag at every full GC, so it can be set after start. A flag the operator gave
 * (command line or NODE_OPTIONS) wins over the config.
 */
import { setFlagsFromString } from "node:v8";

const FLAG = "--heap-growing-percent";

/** True when `--heap-growing-percent` was given to this process by its command line or NODE_OPTIONS. */
function givenByOperator(): boolean {
  const argv = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return argv.some((a) => a === FLAG || a.startsWith(`${FLAG}=`) || a.startsWith("--heap_growing_percent"));
}

/**
 * Applies `server.heapGrowthPercent` (0 = V8's own heuristic). Returns what it did, for the start-up log.
 */
export function applyHeapGrowth(percent: number): string | undefined {
  if (givenByOperator()) return `heap growth: ${FLAG} from the command line is kept`;
  if (percent <= 0) return undefined;
  setFlagsFromString(`${FLAG}=${Math.round(percent)}`);
  return undefined;
}
