/**
 * W3C Trace Context (`traceparent`, `tracestate`) of an incoming request, so the gateway's spans
 * join the caller's trace instead of starting their own. Parsed as the specification says
 * (https://www.w3.org/TR/trace-context/): version 00 exactly; a higher version by its first four
 * fields; all-zero ids, version ff and malformed values are ignored (the request starts a trace).
 */

export interface TraceParent {
  traceId: string;
  /** The caller's span: the parent of the gateway's request span. */
  spanId: string;
  sampled: boolean;
  /** `tracestate`, passed on as received (when it is plausible). */
  traceState?: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export function parseTraceParent(header: string | undefined, state?: string): TraceParent | undefined {
  if (!header) return undefined;
  const m = TRACEPARENT.exec(header.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  const out: TraceParent = { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
  const ts = state?.trim();
  if (ts && ts.length <= 512 && /^[\x20-\x7e]+$/.test(ts)) out.traceState = ts;
  return out;
}
