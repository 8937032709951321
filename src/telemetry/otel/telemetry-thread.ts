/**
 * The gateway's telemetry with the OpenTelemetry SDK on the background thread (`telemetry-service.ts`).
 * Recording metrics and building and exporting spans cost tens of microseconds per request on
 * the thread that serves requests (the SDK hashes every attribute set per recording, and spans
 * waiting up to a second for export outlive the young generation, which makes GC dearer); here a
 * finished request costs one `JSON.stringify`, and a batch crosses to the background thread as one string
 * every `BATCH_MS` (or `BATCH_SIZE` requests). The idealised latency profile stays here: the
 * dashboard reads it synchronously, and it is a few additions per call.
 *
 * Reads (`renderPrometheus`, `flush`) send what is queued first, and messages on one port arrive
 * in order, so a read always includes every request that finished before it.
 */
import type { RequestSummary } from "../../api/hooks.js";
import { type TelemetryConfig, telemetrySchema } from "../../config/telemetry.js";
import { openService } from "../../node/background.js";
import { summaryJson } from "../summary-json.js";
import { TenantLatency } from "./idealised-latency.js";
import type { GatewayTelemetry, TelemetryOptions } from "./node-sdk.js";
import type { FromTelemetryService, ToTelemetryService } from "./telemetry-service.js";

const BATCH_MS = 50;
const BATCH_SIZE = 256;

export function startThreadedTelemetry(cfg: TelemetryConfig | undefined, opts: TelemetryOptions = {}): GatewayTelemetry {
  const config = cfg ?? telemetrySchema.parse({});
  const channel = openService(new URL("./telemetry-service.ts", import.meta.url), {
    config,
    serviceVersion: opts.serviceVersion,
    budgets: opts.budgetRemaining !== undefined,
  });
  const port = channel.port;
  const latency = new TenantLatency();
  const waiting = new Map<number, { resolve(v: string | undefined): void; reject(e: Error): void }>();
  let seq = 0;
  let dead: Error | undefined;
  let queued: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const post = (m: ToTelemetryService) => {
    if (!dead) port.postMessage(m);
  };
  const send = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (!queued.length) return;
    const data = `[${queued.join(",")}]`;
    queued = [];
    post({ t: "batch", data });
  };
  const call = (method: "render" | "flush" | "shutdown"): Promise<string | undefined> => {
    send();
    if (dead) return Promise.reject(dead);
    const id = ++seq;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      post({ t: "call", id, method });
    });
  };

  port.on("message", (m: FromTelemetryService) => {
    if (m.t === "log") opts.log?.(m.msg);
    else if (m.t === "ask") {
      void Promise.resolve(opts.budgetRemaining?.() ?? [])
        .then((it) => [...it])
        .catch(() => [])
        .then((result) => post({ t: "answer", id: m.id, result }));
    } else {
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    }
  });
  const fail = (err: Error) => {
    if (dead) return;
    dead = err;
    opts.log?.(`telemetry thread stopped, metrics and spans are no longer exported: ${err.message}`);
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  channel.onExit(fail);

  const onRequestEnd = (s: RequestSummary): void => {
    latency.add(s.records, s.tenant);
    if (dead) return;
    queued.push(summaryJson(s));
    if (queued.length >= BATCH_SIZE) send();
    else if (!timer) {
      timer = setTimeout(send, BATCH_MS);
      timer.unref();
    }
  };

  let stopped: Promise<void> | undefined;
  return {
    config,
    hooks: { onRequestEnd },
    latency: (tenant) => latency.snapshot(tenant),
    renderPrometheus: async () => (config.prometheus.enabled ? ((await call("render")) ?? "") : ""),
    flush: async () => void (await call("flush")),
    shutdown: () =>
      (stopped ??= (async () => {
        await call("shutdown").catch(() => {});
        dead ??= new Error("telemetry is shut down");
        await channel.close();
      })()),
  };
}
