/**
 * Body of the background thread (`background.ts`): loads each service module it is handed and
 * gives it its MessagePort. A built tree runs the compiled `.js` beside the `.ts`.
 *
 * The thread runs at a lower scheduling priority than the one serving requests (Linux nice values
 * are per thread): writing the ledger and exporting spans can wait a few milliseconds, a client
 * should not. On a busy machine this keeps its work out of the request thread's tail latency;
 * it still gets its share of the CPU (a nice of 5 weighs a third of a normal thread), and its
 * queues absorb bursts (the ledger holds up to 200,000 rows, spans up to 8,192).
 */
import { existsSync } from "node:fs";
import { setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { type MessagePort, parentPort } from "node:worker_threads";

export interface BackgroundService {
  serve(port: MessagePort, data: unknown): void | Promise<void>;
}

/** `OCTOROUTE_BACKGROUND_NICE` overrides it (0 = same priority as the request thread). */
const NICE = Number(process.env.OCTOROUTE_BACKGROUND_NICE ?? 5);
try {
  // pid 0: the calling thread on Linux; elsewhere the process's own priority is left alone.
  if (process.platform === "linux" && Number.isInteger(NICE) && NICE > 0) setPriority(0, Math.min(NICE, 19));
} catch {
  /* not permitted here: run at the normal priority */
}

parentPort!.on("message", async (m: { service: string; data: unknown; port: MessagePort } | { gc: MessagePort }) => {
  if ("gc" in m) {
    (globalThis as { gc?: () => void }).gc?.();
    m.gc.postMessage("done");
    m.gc.close();
    return;
  }
  const compiled = m.service.replace(/\.ts$/, ".js");
  const href = compiled !== m.service && existsSync(fileURLToPath(compiled)) ? compiled : m.service;
  const mod = (await import(href)) as BackgroundService;
  await mod.serve(m.port, m.data);
});
