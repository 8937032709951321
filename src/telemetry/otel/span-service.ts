/**
 * Spans as a background-thread service (`span-thread.ts` is the request thread's side): builds
 * one span per client request and one per upstream call with the OpenTelemetry SDK and exports
 * them over OTLP/HTTP, from finished requests that arrive in batches. Building, batching and
 * JSON-encoding spans costs tens of microseconds per request, none of it on the thread that
 * serves requests.
 */
import type { MessagePort } from "node:worker_threads";
import type { TelemetryConfig } from "../../config/telemetry.js";
import type { RequestSummary } from "../../api/hooks.js";
import { subscribeSummaries } from "../../node/summary-bus.js";
import { parseSummaries } from "../summary-json.js";
import { startTelemetry } from "./node-sdk.js";

/** Request thread → service. */
export type ToSpanService = { t: "batch"; data: string } | { t: "call"; id: number; method: "flush" | "shutdown" };
/** Service → request thread. */
export type FromSpanService = { t: "result"; id: number; error?: string } | { t: "log"; msg: string };

export function serve(port: MessagePort, input: unknown): void {
  const data = input as { config: TelemetryConfig; serviceVersion?: string; fed?: boolean };
  const send = (m: FromSpanService) => port.postMessage(m);
  // Messages that arrive while it starts wait for it, in order.
  const ready = startTelemetry(data.config, {
    serviceVersion: data.serviceVersion,
    log: (msg) => send({ t: "log", msg }),
    signals: { metrics: false, traces: true },
  });

  // Fed by the ledger's hand-offs (`summary-bus.ts`): requests are read as the ledger receives
  // them, in order with every message on this port that the request thread sent after them.
  if (data.fed) {
    let started: Awaited<typeof ready> | undefined;
    let pending: RequestSummary[][] | undefined = [];
    subscribeSummaries((summaries) => {
      if (started) for (const s of summaries) started.hooks.onRequestEnd(s);
      else pending?.push(summaries);
    });
    ready.then(
      (t) => {
        for (const batch of pending ?? []) for (const s of batch) t.hooks.onRequestEnd(s);
        pending = undefined;
        started = t;
      },
      () => (pending = undefined),
    );
  }

  port.on("message", async (m: ToSpanService) => {
    const telemetry = await ready.catch((err: Error) => {
      if (m.t === "call") send({ t: "result", id: m.id, error: `span export did not start: ${err.message}` });
      return undefined;
    });
    if (!telemetry) return;
    if (m.t === "batch") {
      for (const s of parseSummaries(m.data)) telemetry.hooks.onRequestEnd(s);
      return;
    }
    try {
      await (m.method === "flush" ? telemetry.flush() : telemetry.shutdown());
      send({ t: "result", id: m.id });
    } catch (err) {
      send({ t: "result", id: m.id, error: (err as Error).message ?? String(err) });
    }
  });
}
