/**
 * Starts one of the gateway's worker threads (the SQLite ledger, the telemetry exporters) through
 * `worker-boot.mjs`, which runs the compiled body when there is one and the TypeScript otherwise.
 */
import { Worker } from "node:worker_threads";

/** `body`: URL of the thread's `.ts` module; `data` arrives as `workerData` beside `module`. */
export function startWorker(body: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL("./worker-boot.mjs", import.meta.url), { workerData: { ...data, module: body.href } });
}
