/**
 * A finished request as OTLP/JSON spans, written straight from its summary: one SERVER span for
 * the client request and one CLIENT child per upstream call, with the attributes of `genai.ts`.
 * The output is what the SDK's tracer and JSON serializer produce for the same spans (field for
 * field: hex ids, nanosecond strings, `intValue`/`doubleValue`, span kinds and flags), without
 * building a Span object, a context and an OTLP message object per span first — that path
 * measured at tens of microseconds per request, most of it JSON-encoding nested objects.
 *
 * Pure string building, no SDK import: the caller decides sampling and ships the strings.
 */
import type { RequestSummary } from "../../api/hooks.js";
import { type Attributes, callAttributes, callSpanName, requestAttributes, requestSpanName } from "./genai.js";

/** OTLP span kinds (the API's enum + 1) and status codes. */
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;
/** Sampled, and "is the parent remote" known: not remote (a local parent or none) / remote. */
const FLAGS = 0x100 | 0x01;
const FLAGS_REMOTE_PARENT = 0x200 | FLAGS;

/** Characters JSON must escape (and lone surrogates, which `JSON.stringify` writes as `\u` escapes). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string literal; most values need no escaping, and skipping `JSON.stringify` then is measurably cheaper. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** `{"key":"<name>","value":` per attribute name: names repeat on every span. */
const keyPrefixes = new Map<string, string>();
function keyPrefix(key: string): string {
  let prefix = keyPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `{"key":${JSON.stringify(key)},"value":`;
    // Names are a fixed set plus one per router candidate; bounded all the same.
    if (keyPrefixes.size < 10_000) keyPrefixes.set(key, prefix);
  }
  return prefix;
}

/** `[{key, value}]` of OTLP attributes; undefined and null values are left out, as the SDK does. */
export function attributesJson(attrs: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key in attrs) {
    const v = attrs[key];
    let value: string;
    if (typeof v === "string") value = `{"stringValue":${jsonString(v)}}}`;
    else if (typeof v === "number") value = Number.isInteger(v) ? `{"intValue":${v}}}` : `{"doubleValue":${JSON.stringify(v)}}}`;
    else if (typeof v === "boolean") value = `{"boolValue":${v}}}`;
    else continue;
    parts.push(keyPrefix(key) + value);
  }
  return `[${parts.join(",")}]`;
}

/** Epoch milliseconds (fractions allowed) as OTLP's decimal nanoseconds, exact beyond 2^53. */
export function unixNanos(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.min(999_999, Math.round((ms - whole) * 1e6));
  return `${whole}${String(frac).padStart(6, "0")}`;
}

/** Span flags: sampled, and whether the parent is remote (known: a local parent or none / remote). */
export function spanFlags(at: SpanLinks): number {
  return at.remoteParent ? FLAGS_REMOTE_PARENT : FLAGS;
}

/**
 * How spans are written for OTLP/HTTP: JSON here (`http/json`), protobuf in `span-proto.ts`
 * (`http/protobuf`). One span at a time as it ends, then a batch of them as an export request.
 */
export interface SpanEncoding<T> {
  /** The export request's content type. */
  readonly contentType: string;
  span(at: SpanLinks, name: string, kind: number, startMs: number, endMs: number, attrs: Attributes, error: string | undefined | null): T;
  /** An ExportTraceServiceRequest around spans of one resource and scope. */
  request(resourceAttributes: Record<string, unknown>, scopeName: string, spans: readonly T[]): string | Uint8Array;
}

export interface SpanLinks {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  /** The parent is the caller's span (from its `traceparent`), not one of ours. */
  remoteParent?: boolean;
  traceState?: string;
}

function spanJson(at: SpanLinks, name: string, kind: number, startMs: number, endMs: number, attrs: Attributes, error: string | undefined | null): string {
  const status = error === null ? `{"code":${STATUS_UNSET}}` : error === undefined ? `{"code":${STATUS_ERROR}}` : `{"code":${STATUS_ERROR},"message":${jsonString(error)}}`;
  // One array joined: a flat string, where nested template literals leave a deep rope that every
  // later join or encode has to walk.
  return [
    `{"traceId":"${at.traceId}","spanId":"${at.spanId}"`,
    at.parentSpanId ? `,"parentSpanId":"${at.parentSpanId}"` : "",
    at.traceState ? `,"traceState":${jsonString(at.traceState)}` : "",
    `,"name":${jsonString(name)},"kind":${kind},"startTimeUnixNano":"${unixNanos(startMs)}","endTimeUnixNano":"${unixNanos(endMs)}","attributes":`,
    attributesJson(attrs),
    `,"droppedAttributesCount":0,"events":[],"droppedEventsCount":0,"status":${status},"links":[],"droppedLinksCount":0,"flags":${spanFlags(at)}}`,
  ].join("");
}

export interface SpanIds {
  traceId: string;
  newSpanId(): string;
}

/**
 * The spans of one request, each an OTLP/JSON span object as a string, in the order they ended
 * (children first). With the caller's `traceparent`, the request span is a child of the caller's
 * span in the caller's trace (and carries its `tracestate`).
 */
export function requestSpans(s: RequestSummary, ids: SpanIds): string[];
export function requestSpans<T>(s: RequestSummary, ids: SpanIds, encoding: SpanEncoding<T>): T[];
export function requestSpans<T>(s: RequestSummary, ids: SpanIds, encoding: SpanEncoding<T> = jsonSpans as unknown as SpanEncoding<T>): T[] {
  const root = ids.newSpanId();
  const traceState = s.traceParent?.traceState;
  const spans = s.records.map((r) => {
    const at: SpanLinks = { traceId: ids.traceId, spanId: ids.newSpanId(), parentSpanId: root, traceState };
    return encoding.span(at, callSpanName(r), KIND_CLIENT, r.startedAt, r.startedAt + r.latencyMs, callAttributes(r), r.status === "error" ? r.errorCode : null);
  });
  // A 5xx is an error of the request; its error code (if any) is the status message.
  const rootError = s.status >= 500 ? s.errorCode : null;
  const rootAt: SpanLinks = s.traceParent ? { traceId: ids.traceId, spanId: root, parentSpanId: s.traceParent.spanId, remoteParent: true, traceState } : { traceId: ids.traceId, spanId: root };
  spans.push(encoding.span(rootAt, requestSpanName(s), KIND_SERVER, s.startedAt, s.startedAt + s.latencyMs, requestAttributes(s), rootError));
  return spans;
}

/** An OTLP/JSON ExportTraceServiceRequest around spans of one resource and scope. */
export function exportRequestJson(resourceAttributes: string, scopeName: string, spans: readonly string[]): string {
  return `{"resourceSpans":[{"resource":{"attributes":${resourceAttributes},"droppedAttributesCount":0},"scopeSpans":[{"scope":{"name":${JSON.stringify(scopeName)}},"spans":[${spans.join(",")}]}]}]}`;
}

/** OTLP/JSON (`http/json`). */
export const jsonSpans: SpanEncoding<string> = {
  contentType: "application/json",
  span: spanJson,
  request: (resourceAttributes, scopeName, spans) => exportRequestJson(attributesJson(resourceAttributes), scopeName, spans),
};
