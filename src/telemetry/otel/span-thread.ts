/**
 * The request thread's side of span export (`span-service.ts` builds and exports the spans on
 * the background thread). With the SQLite ledger, finished requests already cross to that thread
 * in its hand-offs, and the span service reads them there (`summary-bus.ts`): nothing is sent
 * twice, and `flush()` first has the ledger hand over what it holds. Otherwise a finished request
 * costs one `JSON.stringify` here, and a batch crosses as one string every `BATCH_MS` (or
 * `BATCH_SIZE` requests). Either way a flush includes every request that finished before it.
 */
import type { RequestSummary } from "../../api/hooks.js";
import type { TelemetryConfig } from "../../config/telemetry.js";
import { openService } from "../../node/background.js";
import { summaryJson } from "../summary-json.js";
import type { TelemetryOptions } from "./node-sdk.js";
import type { FromSpanService, ToSpanService } from "./span-service.js";
import { TransientMap } from "../../transient-map.js";

/**
 * Finished requests wait at most this long on the request thread. Short on purpose: a summary
 * held past a young-generation GC or two is copied and then promoted to the old generation, where
 * it dies later at the cost of more full collections. At 50 ms the gateway with spans on did
 * 0.84–0.86× the requests/s of the bare core in `npm run bench:accounting`; at 5 ms 0.89–0.90×
 * (two runs each, 2026-11-30). The background thread batches spans for export on its own.
 */
const BATCH_MS = 5;
const BATCH_SIZE = 256;

export interface SpanThread {
  onRequestEnd(s: RequestSummary): void;
  /** Exports what finished so far. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/** What already carries finished requests to the background thread (the SQLite ledger's hand-offs). */
export interface SummaryFeed {
  /** Starts passing finished requests on to span export. */
  start(): void;
  /** Resolves once everything that finished so far was handed over (and read by the thread's readers). */
  flush(): Promise<void>;
}

export function startSpanThread(config: TelemetryConfig, opts: TelemetryOptions = {}, feed?: SummaryFeed): SpanThread {
  const waiting = new TransientMap<number, { resolve(): void; reject(e: Error): void }>();
  let seq = 0;
  let dead: Error | undefined;
  let stopping = false;
  let startedAt = 0;
  let queued: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  // If the thread dies, spans of the requests until the next start are lost (said in the log);
  // the next request after a second starts a new one.
  const connect = () => {
    startedAt = Date.now();
    const channel = openService(new URL("./span-service.ts", import.meta.url), { config, serviceVersion: opts.serviceVersion, fed: feed !== undefined });
    channel.port.on("message", (m: FromSpanService) => {
      if (m.t === "log") {
        opts.log?.(m.msg);
        return;
      }
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve();
    });
    channel.onExit((err) => {
      if (dead || current !== channel) return;
      dead = err;
      opts.log?.(`background thread stopped, spans are not exported until it restarts: ${err.message}`);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    });
    return channel;
  };
  let current = connect();
  feed?.start();
  const alive = (): boolean => {
    if (!dead) return true;
    if (stopping || Date.now() - startedAt < 1000) return false;
    dead = undefined;
    void current.close();
    current = connect();
    return true;
  };

  const post = (m: ToSpanService) => {
    if (!dead) current.port.postMessage(m);
  };
  const send = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (!queued.length) return;
    const data = `[${queued.join(",")}]`;
    queued = [];
    post({ t: "batch", data });
  };
  const call = async (method: "flush" | "shutdown"): Promise<void> => {
    send();
    // The feed's hand-off has been read (and published to the span service) once this resolves,
    // so the call below, on another port, comes after it.
    await feed?.flush().catch(() => {});
    if (dead) return Promise.reject(dead);
    const id = ++seq;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      post({ t: "call", id, method });
    });
  };

  let stopped: Promise<void> | undefined;
  return {
    onRequestEnd(s) {
      if (!alive() || feed) return;
      queued.push(summaryJson(s));
      if (queued.length >= BATCH_SIZE) send();
      else if (!timer) {
        timer = setTimeout(send, BATCH_MS);
        timer.unref();
      }
    },
    flush: () => call("flush"),
    shutdown: () =>
      (stopped ??= (async () => {
        stopping = true;
        await call("shutdown").catch(() => {});
        dead ??= new Error("spans are shut down");
        await current.close();
      })()),
  };
}
