/**
 * One background thread per process for the gateway's off-request-path work (the SQLite ledger's
 * writes, the OpenTelemetry SDK): each thread is a V8 isolate with its own heap, and one holding
 * both costs less memory than one per service. Each service talks over its own MessagePort, as
 * if it had the thread to itself; the thread starts with the first service and ends with the last.
 *
 * A service module exports `serve(port, data)`; `background-host.ts` loads it in the thread.
 * If the thread dies (an uncaught error, memory exhausted), the next service opened starts a new
 * one; services reconnect on their own (`sqlite-ledger-thread.ts`, `span-thread.ts`).
 */
import { MessageChannel, type MessagePort, type Worker } from "node:worker_threads";
import { startWorker } from "./worker.js";

export interface ServiceChannel {
  /** The service's end is in the thread; post to it and listen on this one. */
  readonly port: MessagePort;
  /** Called once if the thread dies (an uncaught error in any service, or the process exiting). */
  onExit(listener: (err: Error) => void): void;
  /** Closes this service's port; the thread ends when no service is left. */
  close(): Promise<void>;
}

let thread: Worker | undefined;
let exitListeners = new Set<(err: Error) => void>();
/** Open services per thread: a thread ends when its last service closes. */
const openCount = new WeakMap<Worker, number>();

function ensureThread(): Worker {
  if (thread) return thread;
  const worker = startWorker(new URL("./background-host.ts", import.meta.url), {});
  // The thread never keeps the process alive by itself (servers and timers do that).
  worker.unref();
  // Services of a thread that died went with it; this thread's services get a set of their own.
  const listeners = (exitListeners = new Set());
  const fail = (err: Error) => {
    if (thread === worker) thread = undefined;
    for (const l of listeners) l(err);
    listeners.clear();
  };
  worker.on("error", fail);
  worker.on("exit", (code) => fail(new Error(`background thread exited (${code})`)));
  thread = worker;
  return worker;
}

/** Starts `service` (URL of its `.ts` module) in the background thread with `data` (cloned). */
export function openService(service: URL, data: unknown): ServiceChannel {
  const worker = ensureThread();
  const listeners = exitListeners;
  const { port1, port2 } = new MessageChannel();
  worker.postMessage({ service: service.href, data, port: port2 }, [port2]);
  port1.unref();
  openCount.set(worker, (openCount.get(worker) ?? 0) + 1);
  let closed = false;
  let mine: ((err: Error) => void) | undefined;
  return {
    port: port1,
    onExit(listener) {
      mine = listener;
      listeners.add(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (mine) listeners.delete(mine);
      port1.close();
      const left = (openCount.get(worker) ?? 1) - 1;
      openCount.set(worker, left);
      if (left === 0 && thread === worker) {
        thread = undefined;
        exitListeners = new Set();
        await worker.terminate();
      }
    },
  };
}

/**
 * Runs a full GC in the background thread when the process was started with `--expose-gc`
 * (benches reading retained memory); resolves at once when there is no thread.
 */
export function collectBackgroundGarbage(): Promise<void> {
  const worker = thread;
  if (!worker) return Promise.resolve();
  const { port1, port2 } = new MessageChannel();
  return new Promise<void>((resolve) => {
    port1.once("message", () => {
      port1.close();
      resolve();
    });
    worker.postMessage({ gc: port2 }, [port2]);
  });
}

/**
 * Ends the background thread as a crash would (its services see it exit and reconnect on their
 * next call). For tests of that recovery.
 */
export async function stopBackgroundThread(): Promise<void> {
  await thread?.terminate();
}
