/**
 * Turns an async source of SSE items into a streaming Response: one upstream chunk in, one event
 * out, no buffering. A failure after the first byte ends the stream with an OpenAI-style error
 * event (never a clean-looking end); a client that goes away cancels the source, which cancels
 * the upstream.
 */
import { asGatewayError } from "./errors.js";
import { SSE_DONE, SSE_HEADERS, sseComment, sseData } from "./sse.js";

/**
 * Declares the framing up front. @hono/node-server otherwise probes a stream body for a few
 * chunks (with a timer tick) to see whether it can send a Content-Length — a delay on every
 * stream's first byte. Runtimes that frame responses themselves (workerd) ignore it.
 */
const STREAM_FRAMING = { "transfer-encoding": "chunked" } as const;

/** Most events merged into one write (bounds the copy when a fast upstream floods). */
const MAX_EVENTS_PER_WRITE = 64;

const IO_TURN = Symbol("io turn");
/**
 * Resolves once the event loop has polled I/O: `setImmediate` on Node; elsewhere (workerd) a
 * zero timeout, which those runtimes do not clamp.
 */
const afterIo: () => Promise<typeof IO_TURN> =
  typeof setImmediate === "function" ? () => new Promise((r) => setImmediate(r, IO_TURN)) : () => new Promise((r) => setTimeout(r, 0, IO_TURN));

function concat(parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export type SseItem = { data: unknown; event?: string } | { comment: string };

export interface SseResponseOptions {
  headers: Record<string, string>;
  /** Send `data: [DONE]` after a successful end (chat/completions do; the Responses API doesn't). */
  done: boolean;
  /** Called exactly once: with null on success, the error otherwise, or "cancelled". */
  onEnd(outcome: null | "cancelled" | ReturnType<typeof asGatewayError>): void;
  /** Shapes the error event (chat: `{error: ...}`; responses: its own event). */
  errorEvent?(err: ReturnType<typeof asGatewayError>): SseItem | SseItem[];
}

export function sseResponse(source: AsyncIterable<SseItem>, opts: SseResponseOptions): Response {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = (outcome: Parameters<SseResponseOptions["onEnd"]>[0]) => {
    if (ended) return;
    ended = true;
    opts.onEnd(outcome);
  };
  const encode = (item: SseItem): Uint8Array => ("comment" in item ? sseComment(item.comment) : sseData(item.data, item.event));
  // A `next()` that had not settled when a write went out; the following pull takes it over.
  let pending: Promise<IteratorResult<SseItem>> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const parts: Uint8Array[] = [];
      const flush = () => {
        if (parts.length) controller.enqueue(parts.length === 1 ? parts[0]! : concat(parts));
        parts.length = 0;
      };
      try {
        let next = await (pending ?? iterator.next());
        pending = undefined;
        // Events that are already here (an upstream read often carries many) go out in one write;
        // the next one is waited for only until the event loop has polled I/O, so nothing waits
        // for data that has not arrived. One write per event cost a syscall each.
        for (;;) {
          if (next.done) {
            if (opts.done) parts.push(SSE_DONE);
            flush();
            controller.close();
            end(null);
            return;
          }
          parts.push(encode(next.value));
          if (parts.length >= MAX_EVENTS_PER_WRITE) break;
          const upcoming = iterator.next();
          const raced = await Promise.race([upcoming, afterIo()]);
          if (raced === IO_TURN) {
            pending = upcoming;
            upcoming.catch(() => {}); // settled (or rejected) by the next pull
            break;
          }
          next = raced;
        }
        flush();
      } catch (err) {
        try {
          flush(); // what was read before the failure still goes out first
        } catch {
          /* the reader is gone (stream cancelled) */
        }
        const gw = asGatewayError(err);
        if (gw.code === "request_cancelled") {
          end("cancelled");
          try {
            controller.close();
          } catch {
            /* already closed */
          }
          return;
        }
        const events = opts.errorEvent ? opts.errorEvent(gw) : { data: gw.toEnvelope() };
        for (const ev of Array.isArray(events) ? events : [events]) controller.enqueue(encode(ev));
        controller.close();
        end(gw);
      }
    },
    async cancel() {
      end("cancelled");
      await iterator.return?.();
    },
  });
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...STREAM_FRAMING, ...opts.headers } });
}
