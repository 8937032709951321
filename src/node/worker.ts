/**
 * Starts one of the gateway's worker threads (the SQLite ledger, the telemetry exporters) through
 * `worker-boot.mjs`, which runs the compiled body when there is one and the TypeScript otherwise.
 */
import { Worker } from "node:worker_threads";

/**
 * Heap limits of the background thread. Its young generation is small (12 MB: 4 MB semi-spaces)
 * because its old generation is small (~11 MB, mostly code): with the gateway's fixed growth
 * factor (`server.heapGrowthPercent`, process-wide) V8 leaves such a heap less room before its
 * next full GC than one young-generation GC could promote, so with V8's default young size (or
 * 32 MB) it started marking again right after every full GC, ~1.2 full GCs a second on a thread
 * that promotes almost nothing (`npm run bench:accounting`, 2026-11-30). At 12 MB it does none,
 * and it promotes ~1 KB per young GC: what it holds (batches on their way to SQLite, spans until
 * an export) lives shorter than a young GC's interval. The old-generation cap is far above what
 * it keeps, so it only bounds a runaway.
 */
const BACKGROUND_LIMITS = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 512 };

/** `body`: URL of the thread's `.ts` module; `data` arrives as `workerData` beside `module`. */
export function startWorker(body: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: { ...data, module: body.href }, resourceLimits: BACKGROUND_LIMITS });
}
