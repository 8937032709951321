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
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) {
          if (opts.done) controller.enqueue(SSE_DONE);
          controller.close();
          end(null);
          return;
        }
        controller.enqueue(encode(next.value));
      } catch (err) {
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
