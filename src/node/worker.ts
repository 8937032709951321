/**
 * Starts one of the gateway's worker threads (the SQLite ledger, the telemetry exporters) through
 * `worker-boot.mjs`, which runs the compiled body when there is one and the TypeScript otherwise.
 */
import { Worker } from "node:worker_threads";

/**
 * Heap limits of the background thread. Its young generation is capped below V8's default (3 × 16
 * MB under load) to bound its resident memory; 8 MB was tried and made it promote the spans and
 * batches it holds for a flush window, tripling its GC time (~34 µs per request against ~14 at
 * 32 MB in `npm run bench:accounting`). The old-generation cap is far above what it keeps
 * (queued batches, metric series), so it only bounds a runaway.
 */
const BACKGROUND_LIMITS = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 512 };

/** `body`: URL of the thread's `.ts` module; `data` arrives as `workerData` beside `module`. */
export function startWorker(body: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: { ...data, module: body.href }, resourceLimits: BACKGROUND_LIMITS });
}
