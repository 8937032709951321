/**
 * Traces from the Workers entry: the same OTLP spans as on Node (protobuf or JSON as
 * `telemetry.otlp.protocol` says: `span-proto.ts` / `span-json.ts`, sampled by `span-sampling.ts`),
 * POSTed with `fetch` to `<telemetry.otlp.endpoint>/v1/traces`.
 *
 * Spans of the requests an isolate finishes are batched: the first request to end after an export
 * schedules the next one `delayMs` later and hands it to its own `waitUntil` (Workers stop a
 * request's work once its response is done unless it is handed there). Requests that end
 * meanwhile only queue their spans. A batch of `maxBatch` spans is sent at once. A failed export is
 * logged at most once a minute and not retried: an isolate may be gone before a retry would run.
 */
import type { RequestSummary } from "../api/hooks.js";
import type { TelemetryConfig } from "../config/telemetry.js";
import { jsonSpans, type SpanEncoding } from "../telemetry/otel/span-json.js";
import { protobufSpans } from "../telemetry/otel/span-proto.js";
import { spanSampler } from "../telemetry/otel/span-sampling.js";
import { keepAlive, type WaitUntil } from "./request-context.js";

export interface EdgeSpanExportOptions {
  delayMs?: number;
  maxBatch?: number;
  maxQueue?: number;
  log?: (msg: string) => void;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

export interface EdgeSpanExport {
  /** Queues a finished request's spans; `ctx` keeps the isolate's export alive past its response. */
  add(s: RequestSummary, ctx: WaitUntil | undefined): void;
  /** Sends what is queued now. */
  flush(): Promise<void>;
}

/** Undefined when the config exports no traces (no collector, traces off, or a sampling ratio of 0). */
export function edgeSpanExport(config: TelemetryConfig, opts: EdgeSpanExportOptions = {}): EdgeSpanExport | undefined {
  const otlp = config.otlp;
  if (!otlp?.traces || config.sampling.ratio <= 0) return undefined;
  const url = `${otlp.endpoint.replace(/\/+$/, "")}/v1/traces`;
  const encoding = (otlp.protocol === "http/json" ? jsonSpans : protobufSpans) as SpanEncoding<string | Uint8Array>;
  const resource = ({ "service.name": config.serviceName, "telemetry.sdk.name": "opentelemetry", "telemetry.sdk.language": "webjs", "cloud.provider": "cloudflare", "cloud.platform": "cloudflare.workers" });
  const sample = spanSampler(config.sampling.ratio, encoding);
  const delayMs = opts.delayMs ?? 1000;
  const maxBatch = opts.maxBatch ?? 512;
  const maxQueue = opts.maxQueue ?? 4096;
  const send = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  let queue: Array<string | Uint8Array> = [];
  let scheduled: Promise<void> | undefined;
  let dropped = 0;
  let lastLog = 0;
  const warn = (msg: string) => {
    if (Date.now() - lastLog < 60_000) return;
    lastLog = Date.now();
    opts.log?.(msg);
  };

  const exportQueued = async (): Promise<void> => {
    while (queue.length) {
      const batch = queue.splice(0, maxBatch);
      try {
        const res = await send(url, {
          method: "POST",
          headers: { ...otlp.headers, "content-type": encoding.contentType },
          body: encoding.request(resource, "octoroute", batch) as BodyInit,
          signal: AbortSignal.timeout(otlp.timeoutMs),
        });
        // The collector's answer is read (and discarded) so the connection can be reused.
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) warn(`telemetry: span export answered ${res.status}; ${batch.length} spans lost`);
      } catch (err) {
        // The endpoint's URL is in the config, but never its headers (they may hold a token).
        warn(`telemetry: span export to ${url} failed: ${(err as Error).message}; ${batch.length} spans lost`);
      }
    }
  };
  return {
    add(s, ctx) {
      const spans = sample(s);
      if (!spans) return;
      if (queue.length + spans.length > maxQueue) {
        dropped += spans.length;
        warn(`telemetry: span queue full (${maxQueue} spans), ${dropped} spans dropped so far`);
        return;
      }
      for (const span of spans) queue.push(span);
      if (queue.length >= maxBatch) {
        keepAlive(exportQueued(), ctx);
        return;
      }
      if (scheduled) return;
      scheduled = new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => {
        scheduled = undefined;
        return exportQueued();
      });
      keepAlive(scheduled, ctx);
    },
    flush: () => exportQueued(),
  };
}
