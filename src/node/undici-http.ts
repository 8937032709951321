/**
 * HttpClient on undici for Node: one keep-alive pool (Agent) per upstream origin, sized from the
 * provider config. Requests go through the Agent's `dispatch` with a small handler of our own:
 * undici's `request()` wraps every response in a Readable stream (and our reader in that stream's
 * async iterator) and parses all headers up front, which measured as the largest single cost of a
 * proxied request after the socket writes. The handler hands chunks straight to one async
 * iterator, pauses the socket when the reader falls behind, and looks headers up only when asked.
 */
import { Agent, type Dispatcher } from "undici";
import type { Cancellation, HttpClient, HttpRequest, HttpResponse } from "../providers/http.js";

export interface UndiciHttpOptions {
  connectTimeoutMs?: number;
  connections?: number;
}

/** Bytes buffered for a reader that is not keeping up before the socket is paused. */
const HIGH_WATER_BYTES = 64 * 1024;

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** Abort reason when our reader discards a body (made once: nobody sees it, and a stack costs). */
const BODY_CANCELLED = new Error("the reader discarded the rest of this response body");

/** `https://host:port/path?q` → origin and path, without building a URL object. */
function splitUrl(url: string): { origin: string; path: string } {
  const hostStart = url.indexOf("//");
  if (hostStart < 0) throw new TypeError(`invalid upstream URL: ${url}`);
  const slash = url.indexOf("/", hostStart + 2);
  return slash < 0 ? { origin: url, path: "/" } : { origin: url.slice(0, slash), path: url.slice(slash) };
}

/** Lower-case header lookup over undici's raw `[name, value, name, value...]` buffers. */
function headerLookup(raw: Buffer[]): (name: string) => string | undefined {
  return (name) => {
    let found: string | undefined;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i]!.length === name.length && raw[i]!.toString("latin1").toLowerCase() === name) {
        const v = raw[i + 1]!.toString("latin1");
        found = found === undefined ? v : `${found}, ${v}`;
      }
    }
    return found;
  };
}

/**
 * One request's handler (undici's dispatch handler interface) and the response it resolves to.
 * The body is a single-consumer async iterable: `next()` takes a queued chunk or waits for one.
 */
class ResponseHandler implements Dispatcher.DispatchHandler {
  private abortRequest: ((reason?: Error) => void) | null = null;
  private resumeSocket: (() => void) | null = null;
  private paused = false;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private ended = false;
  private cancelled = false;
  private failure: unknown = null;
  private waiter: { resolve(r: IteratorResult<Uint8Array>): void; reject(e: unknown): void } | null = null;
  private settled = false;

  constructor(
    private readonly cancellation: Cancellation | undefined,
    private readonly resolve: (res: HttpResponse) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    if (cancellation) cancellation.onCancel = (reason) => this.abort(reason);
  }

  private abort(reason: Error): void {
    if (this.abortRequest) this.abortRequest(reason);
    else this.fail(reason);
  }

  /** Nothing to cancel any more: the caller's cancellation no longer reaches this request. */
  private release(): void {
    if (this.cancellation) this.cancellation.onCancel = null;
  }

  private fail(err: unknown): void {
    this.release();
    if (!this.settled) {
      this.settled = true;
      this.reject(err);
      return;
    }
    if (this.ended || this.failure || this.cancelled) return;
    // Chunks that arrived before the failure are still read first; then `next()` rejects.
    this.failure = err;
    const w = this.waiter;
    this.waiter = null;
    w?.reject(err);
  }

  onConnect(abort: (err?: Error) => void): void {
    const cancelled = this.cancellation?.reason;
    if (cancelled) abort(cancelled);
    else this.abortRequest = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational responses come before the real one.
    if (statusCode < 200) return true;
    this.resumeSocket = resume;
    this.settled = true;
    const body: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => this.next(), return: async () => (this.cancel(), DONE) }) };
    this.resolve({
      status: statusCode,
      header: headerLookup(rawHeaders),
      body,
      text: async () => {
        const decoder = new TextDecoder();
        let text = "";
        for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
        return text + decoder.decode();
      },
      cancel: () => this.cancel(),
    });
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.failure || this.cancelled) return true;
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w.resolve({ done: false, value: chunk });
      return true;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= HIGH_WATER_BYTES) this.paused = true;
    return !this.paused;
  }

  onComplete(): void {
    this.release();
    this.ended = true;
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(DONE);
  }

  onError(err: Error): void {
    this.fail(err);
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    if (this.queue.length) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      if (this.paused && this.queuedBytes < HIGH_WATER_BYTES / 2) {
        this.paused = false;
        this.resumeSocket?.();
      }
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.ended || this.cancelled) return Promise.resolve(DONE);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** Discards the rest of the body; the connection is released (aborted if still receiving). */
  private cancel(): void {
    this.queue = [];
    this.queuedBytes = 0;
    if (this.ended || this.failure || this.cancelled) return;
    this.cancelled = true;
    this.release();
    this.abortRequest?.(BODY_CANCELLED);
    if (this.paused) this.resumeSocket?.();
    const w = this.waiter;
    this.waiter = null;
    w?.resolve(DONE);
  }
}

export function undiciHttpClient(opts: UndiciHttpOptions = {}): HttpClient & { close(): Promise<void>; destroy(): Promise<void> } {
  const agent = new Agent({
    connections: opts.connections ?? 256,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connect: { timeout: opts.connectTimeoutMs ?? 5_000 },
    // Timeouts are enforced per attempt by the transport layer (first byte, idle), not here.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      return new Promise<HttpResponse>((resolve, reject) => {
        if (req.cancellation?.reason) {
          reject(req.cancellation.reason);
          return;
        }
        const { origin, path } = splitUrl(req.url);
        const handler = new ResponseHandler(req.cancellation, resolve, reject);
        try {
          agent.dispatch({ origin, path, method: req.method, headers: req.headers, body: req.body }, handler);
        } catch (err) {
          handler.onError(err as Error);
        }
      });
    },
    close: () => agent.close(),
    destroy: () => agent.destroy(),
  };
}
