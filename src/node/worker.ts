/**
 * Starts one of the gateway's worker threads (the SQLite ledger, the telemetry exporters) through
 * `worker-boot.mjs`, which runs the compiled body when there is one and the TypeScript otherwise.
 */
import { Worker } from "node:worker_threads";

/**
 * Heap limits of a background thread. V8 sizes each thread's young generation like the main
 * thread's (up to 3 × 16 MB under load), which for threads that only batch-write rows and export
 * telemetry is resident memory bought for nothing: a small young generation costs them a few more
 * (cheap, off the request path) scavenges. The old-generation cap is far above what they keep
 * (queued batches, metric series), so it only bounds a runaway.
 */
const BACKGROUND_LIMITS = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 512 };

/** `body`: URL of the thread's `.ts` module; `data` arrives as `workerData` beside `module`. */
export function startWorker(body: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: { ...data, module: body.href }, resourceLimits: BACKGROUND_LIMITS });
}
