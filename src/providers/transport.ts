/**
 * Transport policy shared by all adapters: connect, first-byte and idle timeouts around an HttpClient call,
 * mapping of network failures to GatewayError, and reading JSON bodies. Retries and fallbacks live
 * above, in the ModelClient.
 */
import { GatewayError } from "../api/errors.js";
import type { TimeoutsConfig } from "../config/providers.js";
import { type ErrorFormat, upstreamConnectionError, upstreamHttpError, upstreamMalformed, upstreamTimeout } from "./errors.js";
import { type Cancellation, cancel, type HttpClient } from "./http.js";
import { type Deadline, trackDeadline, untrackDeadline } from "./deadlines.js";
import type { Abortable } from "../api/request-signal.js";
import { decodeParts } from "../utf8.js";

export interface TransportTarget {
  providerId: string;
  http: HttpClient;
  timeouts: TimeoutsConfig;
  errorFormat: ErrorFormat;
  /** Secrets to scrub from any message derived from the upstream. */
  secrets: Array<string | undefined>;
}

export interface OpenedBody {
  /** Body chunks, each awaited under the idle timeout. The first chunk is already read. */
  chunks: AsyncIterable<Uint8Array>;
  ttftMs: number;
  status: number;
  header(name: string): string | undefined;
}

type TimeoutPhase = "first_byte" | "idle";

/** Abort reason when the reader of a body stops before its end (nobody sees it as an error). */
const CONSUMER_DONE: Error = new Error("the reader of this upstream body stopped before its end");
/** Abort reason of a timed-out attempt (the error the caller sees is made from `timedOut`). */
const TIMED_OUT: Error = new Error("upstream attempt timed out");

/**
 * Sends a request and waits for the first body byte under `firstByteMs`; the returned iterable
 * yields the rest under `idleMs` between chunks. Non-2xx statuses throw the mapped GatewayError.
 */
export async function openBody(
  target: TransportTarget,
  req: { url: string; method: "GET" | "POST"; headers: Record<string, string>; body?: string },
  signal: Abortable | undefined,
): Promise<OpenedBody> {
  let timedOut: TimeoutPhase | null = null;
  // Cancelled by the caller's signal, a timeout, or a reader that stops early.
  const cancellation: Cancellation = { reason: null, onCancel: null };
  const onAbort = () => cancel(cancellation, signal?.reason instanceof Error ? signal.reason : new DOMException("The operation was aborted.", "AbortError"));
  if (signal) {
    if (signal.aborted) throw signal.reason ?? new DOMException("aborted", "AbortError");
    signal.addEventListener("abort", onAbort, { once: true });
  }
  // One deadline, moved forward on every chunk (a clock read, no timer per chunk or phase).
  let phase: TimeoutPhase = "first_byte";
  const deadline: Deadline = {
    at: 0,
    expire: () => {
      timedOut = phase;
      cancel(cancellation, TIMED_OUT);
    },
    prev: null,
    next: null,
    timer: null,
  };
  const arm = (next: TimeoutPhase, ms: number) => {
    phase = next;
    deadline.at = Date.now() + ms;
  };
  const cleanup = () => {
    untrackDeadline(deadline);
    signal?.removeEventListener("abort", onAbort);
  };
  const mapFailure = (err: unknown): unknown => {
    if (timedOut) return upstreamTimeout(target.providerId, timedOut);
    if (signal?.aborted) return err;
    if (err instanceof GatewayError) return err;
    // The dispatcher's own connect timeout (undici) is a timeout of this attempt, not a reset.
    if (errorCode(err) === "UND_ERR_CONNECT_TIMEOUT") return upstreamTimeout(target.providerId, "connect");
    // Nobody asked to abort (neither the caller nor our timers): whatever it was, the upstream
    // connection failed. Passing an AbortError up would read as "client left" and end a stream
    // cleanly, which is exactly what must never happen.
    return upstreamConnectionError(target.providerId, err);
  };

  const started = Date.now();
  arm("first_byte", target.timeouts.firstByteMs);
  trackDeadline(deadline);
  let res;
  try {
    res = await target.http.request({ ...req, cancellation });
  } catch (err) {
    cleanup();
    throw mapFailure(err);
  }
  const iterator = res.body[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  try {
    first = await iterator.next();
  } catch (err) {
    cleanup();
    res.cancel();
    throw mapFailure(err);
  }
  const ttftMs = Date.now() - started;
  if (res.status < 200 || res.status >= 300) {
    // Read the (small) error body to carry the upstream's message.
    let text = first.done ? "" : new TextDecoder().decode(first.value);
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) break;
        text += new TextDecoder().decode(next.value);
        if (text.length > 16_384) break;
      }
    } catch {
      /* the message is best effort */
    }
    cleanup();
    res.cancel();
    throw upstreamHttpError(target.providerId, res.status, text, target.errorFormat, { retryAfter: res.header("retry-after"), secrets: target.secrets });
  }
  arm("idle", target.timeouts.idleMs);

  const chunks: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      let pending: IteratorResult<Uint8Array> | null = first;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        cleanup();
      };
      return {
        async next(): Promise<IteratorResult<Uint8Array>> {
          if (pending) {
            const p = pending;
            pending = null;
            if (p.done) finish();
            else arm("idle", target.timeouts.idleMs);
            return p;
          }
          try {
            const r = await iterator.next();
            if (r.done) finish();
            else arm("idle", target.timeouts.idleMs);
            return r;
          } catch (err) {
            finish();
            throw mapFailure(err);
          }
        },
        async return(): Promise<IteratorResult<Uint8Array>> {
          finish();
          // A consumer that stops early (often right after `[DONE]`, before the upstream's EOF):
          // release the upstream. The reason is made once: a default AbortError is a DOMException
          // that captures a stack, measured at tens of microseconds on every streamed request.
          cancel(cancellation, CONSUMER_DONE);
          res.cancel();
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { chunks, ttftMs, status: res.status, header: res.header };
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === "string" ? code : undefined;
}

/** The rest of a body as text (each chunk still under the idle timeout). */
export async function readText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const c of chunks) {
    parts.push(c);
    size += c.length;
  }
  return decodeParts(parts, size);
}

/** Sends a request and parses the whole JSON body. */
export async function requestJson<T>(
  target: TransportTarget,
  req: { url: string; method: "GET" | "POST"; headers: Record<string, string>; body?: string },
  signal: Abortable | undefined,
): Promise<{ value: T; ttftMs: number }> {
  const opened = await openBody(target, req, signal);
  const text = await readText(opened.chunks);
  try {
    return { value: JSON.parse(text) as T, ttftMs: opened.ttftMs };
  } catch {
    throw upstreamMalformed(target.providerId, "body is not valid JSON");
  }
}
