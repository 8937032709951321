/**
 * Which finished requests get spans, decided as the SDK's ParentBasedSampler with a
 * TraceIdRatioBasedSampler root would: a caller's trace (its `traceparent`) is followed as the
 * caller decided (its sampled flag); a trace of our own is sampled by ratio on its new trace id.
 * Shared by the Node exporter (`span-export.ts`) and the Workers one (`src/edge/span-export-fetch.ts`).
 */
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { SamplingDecision, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base";
import type { RequestSummary } from "../../api/hooks.js";
import { randomHex } from "../../random-hex.js";
import { requestSpans, type SpanEncoding } from "./span-json.js";

/** `ratio` of requests traced (1 = all): returns the spans of a request, or undefined when not sampled. */
export function spanSampler<T>(ratio: number, encoding: SpanEncoding<T>): (s: RequestSummary) => T[] | undefined {
  const sampler = ratio >= 1 ? undefined : new TraceIdRatioBasedSampler(ratio);
  const ids = { traceId: "", newSpanId: () => randomHex(8) };
  return (s) => {
    const parent = s.traceParent;
    if (parent) {
      if (!parent.sampled) return undefined;
      ids.traceId = parent.traceId;
    } else {
      ids.traceId = randomHex(16);
      if (sampler && sampler.shouldSample(ROOT_CONTEXT, ids.traceId).decision !== SamplingDecision.RECORD_AND_SAMPLED) return undefined;
    }
    return requestSpans(s, ids, encoding);
  };
}
