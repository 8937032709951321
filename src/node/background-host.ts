/**
 * Body of the background thread (`background.ts`): loads each service module it is handed and
 * gives it its MessagePort. A built tree runs the compiled `.js` beside the `.ts`.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type MessagePort, parentPort } from "node:worker_threads";

export interface BackgroundService {
  serve(port: MessagePort, data: unknown): void | Promise<void>;
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
