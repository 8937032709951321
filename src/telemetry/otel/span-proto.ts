/**
 * The spans of `span-json.ts` in OTLP's protobuf encoding (`http/protobuf`, OpenTelemetry's
 * default OTLP protocol): the same spans, field for field, as `opentelemetry/proto/trace/v1`
 * messages. About half the bytes of OTLP/JSON — ids as bytes, times as fixed64, no key names or
 * quoting — so less to write to the socket and less for the collector to read.
 *
 * A small writer of our own rather than a protobuf library: the messages are fixed and few, and
 * each span is written straight into one growing buffer (a nested message reserves room for its
 * length and moves its bytes once if the length needs more or less room).
 */
import type { Attributes } from "./genai.js";
import { type SpanEncoding, spanFlags, type SpanLinks } from "./span-json.js";

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/**
 * Bytes reserved for a nested message's length: 1 for attributes, strings and status (under 128
 * bytes nearly always), 2 for a span (up to 16 383 bytes). A length that needs another size moves
 * the message's bytes once.
 */
const SMALL = 1;
const LARGE = 2;

/** Spans are cut from slabs of this size (a typed array per span would be a backing store each). */
const SLAB_BYTES = 256 * 1024;

const encoder = new TextEncoder();

class Writer {
  buf = new Uint8Array(1024);
  view = new DataView(this.buf.buffer);
  pos = 0;

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(n: number): void {
    this.ensure(10);
    if (n < 0) return this.negative(n);
    while (n > 0x7f) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** A negative int64 is its two's complement, ten bytes. */
  private negative(n: number): void {
    let v = BigInt.asUintN(64, BigInt(n));
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(field: number, s: string): void {
    this.tag(field, WIRE_LEN);
    // UTF-8 needs at most 3 bytes per UTF-16 unit; the length goes in front once known.
    this.ensure(s.length * 3 + 5);
    const start = this.start(SMALL);
    let pos = this.pos;
    const buf = this.buf;
    // ASCII, byte by byte (most values: names, ids, models); anything else through the encoder.
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      buf[pos++] = c;
    }
    if (i < s.length) pos += encoder.encodeInto(s.slice(i), buf.subarray(pos)).written;
    this.pos = pos;
    this.finish(start, SMALL);
  }

  fixed64(field: number, lo: number, hi: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setUint32(this.pos, lo, true);
    this.view.setUint32(this.pos + 4, hi, true);
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  fixed32(field: number, v: number): void {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** Starts a nested message (after its tag) with `reserved` bytes for its length; returns where that goes. */
  start(reserved: number): number {
    this.ensure(reserved);
    const at = this.pos;
    this.pos += reserved;
    return at;
  }

  finish(at: number, reserved: number): void {
    const len = this.pos - at - reserved;
    const size = varintSize(len);
    if (size !== reserved) {
      this.ensure(size - reserved);
      this.buf.copyWithin(at + size, at + reserved, this.pos);
      this.pos += size - reserved;
    }
    let n = len;
    let p = at;
    while (n > 0x7f) {
      this.buf[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[p] = n;
  }

  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** The bytes written, cut from `slab` (a view, no copy of a backing store per span). */
  takeInto(slab: Slab): Uint8Array {
    const n = this.pos;
    this.pos = 0;
    if (slab.used + n > slab.bytes.length) {
      slab.bytes = new Uint8Array(Math.max(SLAB_BYTES, n));
      slab.used = 0;
    }
    const out = slab.bytes.subarray(slab.used, slab.used + n);
    out.set(this.buf.subarray(0, n));
    slab.used += n;
    return out;
  }
}

interface Slab {
  bytes: Uint8Array;
  used: number;
}

function varintSize(n: number): number {
  let size = 1;
  while (n > 0x7f) {
    n >>>= 7;
    size++;
  }
  return size;
}

/** Hex digit → value (lower and upper case). */
const NIBBLE = new Uint8Array(128);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = NIBBLE[65 + i] = 10 + i;

/** Hex id → bytes (trace ids 16, span ids 8). */
function hexBytes(w: Writer, field: number, hex: string): void {
  w.tag(field, WIRE_LEN);
  w.varint(hex.length >> 1);
  w.ensure(hex.length >> 1);
  const buf = w.buf;
  let pos = w.pos;
  for (let i = 0; i < hex.length; i += 2) buf[pos++] = (NIBBLE[hex.charCodeAt(i) & 0x7f]! << 4) | NIBBLE[hex.charCodeAt(i + 1) & 0x7f]!;
  w.pos = pos;
}

const TWO_21 = 2 ** 21;
const TWO_32 = 2 ** 32;

/**
 * Epoch ms (fractions allowed) as fixed64 nanoseconds, exact although the value is past 2⁵³:
 * with whole ms = hi·2²¹ + lo, ns = (hi·10⁶)·2²¹ + (lo·10⁶ + frac), each part exact in a double,
 * then split into 32-bit halves.
 */
function nanos(w: Writer, field: number, ms: number): void {
  const whole = Math.floor(ms);
  const frac = Math.min(999_999, Math.round((ms - whole) * 1e6));
  const y = Math.floor(whole / TWO_21) * 1e6;
  const x = (whole % TWO_21) * 1e6 + frac;
  let lo = (y % 2048) * TWO_21 + (x % TWO_32);
  let hi = Math.floor(y / 2048) + Math.floor(x / TWO_32);
  if (lo >= TWO_32) {
    lo -= TWO_32;
    hi += 1;
  }
  w.fixed64(field, lo, hi);
}

/** `KeyValue.key` field bytes per attribute name: names repeat on every span. */
const keyBytes = new Map<string, Uint8Array>();
function keyField(key: string): Uint8Array {
  let b = keyBytes.get(key);
  if (b === undefined) {
    const utf8 = encoder.encode(key);
    b = new Uint8Array(1 + varintSize(utf8.length) + utf8.length);
    b[0] = (1 << 3) | WIRE_LEN;
    let n = utf8.length;
    let p = 1;
    while (n > 0x7f) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    b.set(utf8, p);
    if (keyBytes.size < 10_000) keyBytes.set(key, b);
  }
  return b;
}

/**
 * Whole `KeyValue` messages of string attributes whose values repeat from span to span (tenant,
 * model, provider, route, strategy, operation...), written once and copied after. A key that
 * shows more than `VALUES_PER_KEY` values (request ids) stops being cached; long values and keys
 * past the first `CACHED_KEYS` are never cached, so the cache stays under ~2 MB.
 */
const stringKeyValues = new Map<string, Map<string, Uint8Array> | null>();
const VALUES_PER_KEY = 128;
const CACHED_KEYS = 256;
const CACHED_VALUE_CHARS = 64;
const kvWriter = new Writer();

function cachedKeyValue(key: string, v: string): Uint8Array | undefined {
  if (v.length > CACHED_VALUE_CHARS) return undefined;
  let values = stringKeyValues.get(key);
  if (values === null || (values === undefined && stringKeyValues.size >= CACHED_KEYS)) return undefined;
  if (values === undefined) stringKeyValues.set(key, (values = new Map()));
  let kv = values.get(v);
  if (kv === undefined) {
    if (values.size >= VALUES_PER_KEY) {
      stringKeyValues.set(key, null);
      return undefined;
    }
    const w = kvWriter;
    w.bytes(keyField(key));
    w.tag(2, WIRE_LEN);
    const any = w.start(SMALL);
    w.string(1, v);
    w.finish(any, SMALL);
    kv = w.take();
    values.set(v, kv);
  }
  return kv;
}

/** `repeated KeyValue` at `field`; undefined and null values are left out, as the SDK does. */
function attributes(w: Writer, field: number, attrs: Record<string, unknown>): void {
  for (const key in attrs) {
    const v = attrs[key];
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") continue;
    const cached = typeof v === "string" ? cachedKeyValue(key, v) : undefined;
    if (cached) {
      w.tag(field, WIRE_LEN);
      w.varint(cached.length);
      w.bytes(cached);
      continue;
    }
    w.tag(field, WIRE_LEN);
    const kv = w.start(SMALL);
    w.bytes(keyField(key));
    w.tag(2, WIRE_LEN);
    const any = w.start(SMALL);
    if (typeof v === "string") w.string(1, v);
    else if (typeof v === "boolean") {
      w.tag(2, WIRE_VARINT);
      w.varint(v ? 1 : 0);
    } else if (Number.isInteger(v)) {
      w.tag(3, WIRE_VARINT);
      w.varint(v);
    } else w.double(4, v);
    w.finish(any, SMALL);
    w.finish(kv, SMALL);
  }
}

const writer = new Writer();
const slab: Slab = { bytes: new Uint8Array(0), used: 0 };

export const protobufSpans: SpanEncoding<Uint8Array> = {
  contentType: "application/x-protobuf",

  span(at: SpanLinks, name: string, kind: number, startMs: number, endMs: number, attrs: Attributes, error: string | undefined | null): Uint8Array {
    const w = writer;
    hexBytes(w, 1, at.traceId);
    hexBytes(w, 2, at.spanId);
    if (at.traceState) w.string(3, at.traceState);
    if (at.parentSpanId) hexBytes(w, 4, at.parentSpanId);
    w.string(5, name);
    w.tag(6, WIRE_VARINT);
    w.varint(kind);
    nanos(w, 7, startMs);
    nanos(w, 8, endMs);
    attributes(w, 9, attrs);
    w.tag(15, WIRE_LEN);
    const status = w.start(SMALL);
    if (error) w.string(2, error);
    if (error !== null) {
      w.tag(3, WIRE_VARINT);
      w.varint(2); // STATUS_CODE_ERROR
    }
    w.finish(status, SMALL);
    w.fixed32(16, spanFlags(at));
    return w.takeInto(slab);
  },

  request(resourceAttributes: Record<string, unknown>, scopeName: string, spans: readonly Uint8Array[]): Uint8Array {
    const w = new Writer();
    w.tag(1, WIRE_LEN);
    const resourceSpans = w.start(LARGE);
    w.tag(1, WIRE_LEN);
    const resource = w.start(LARGE);
    attributes(w, 1, resourceAttributes);
    w.finish(resource, LARGE);
    w.tag(2, WIRE_LEN);
    const scopeSpans = w.start(LARGE);
    w.tag(1, WIRE_LEN);
    const scope = w.start(SMALL);
    w.string(1, scopeName);
    w.finish(scope, SMALL);
    for (const span of spans) {
      w.tag(2, WIRE_LEN);
      w.varint(span.length);
      w.bytes(span);
    }
    w.finish(scopeSpans, LARGE);
    w.finish(resourceSpans, LARGE);
    return w.take();
  },
};
