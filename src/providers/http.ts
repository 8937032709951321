/**
 * The transport contract. Providers never call `fetch` or undici directly: the runtime entry
 * injects an HttpClient (undici pools on Node, `fetch` on Workers), so adapters stay portable and
 * the Node path keeps undici's speed.
 */
export interface HttpRequest {
  url: string;
  method: "GET" | "POST" | "DELETE";
  headers: Record<string, string>;
  body?: string;
  /** Lets the caller cancel the request (before or after its headers arrived). */
  cancellation?: Cancellation;
}

/**
 * Cancelling one request, without an AbortController and EventTarget listeners per request (each
 * measured at microseconds on the hot path): the caller sets `reason` and calls `onCancel`, which
 * the HttpClient set to whatever stops its request.
 */
export interface Cancellation {
  reason: Error | null;
  onCancel: ((reason: Error) => void) | null;
}

/** Cancels `c` with `reason` (once; later calls do nothing). */
export function cancel(c: Cancellation, reason: Error): void {
  if (c.reason) return;
  c.reason = reason;
  c.onCancel?.(reason);
}

export interface HttpResponse {
  status: number;
  /** Lower-case header lookup. */
  header(name: string): string | undefined;
  /** The body as it arrives. Iterating to the end or calling `cancel()` releases the connection. */
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  /** Discards the rest of the body (always call it when not reading to the end). */
  cancel(): void;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** Closes pools gracefully (graceful shutdown). */
  close?(): Promise<void>;
}

/** An HttpClient over the platform `fetch` (Workers, tests, any runtime with fetch). */
export function fetchHttpClient(fetchImpl: typeof fetch = fetch): HttpClient {
  return {
    async request(req) {
      let signal: AbortSignal | undefined;
      if (req.cancellation) {
        if (req.cancellation.reason) throw req.cancellation.reason;
        const controller = new AbortController();
        req.cancellation.onCancel = (reason) => controller.abort(reason);
        signal = controller.signal;
      }
      const res = await fetchImpl(req.url, { method: req.method, headers: req.headers, body: req.body, signal });
      const stream = res.body;
      const body: AsyncIterable<Uint8Array> = {
        async *[Symbol.asyncIterator]() {
          if (!stream) return;
          const reader = stream.getReader();
          try {
            for (;;) {
              const { done, value } = await reader.read();
              if (done) return;
              yield value;
            }
          } finally {
            reader.releaseLock();
          }
        },
      };
      return {
        status: res.status,
        header: (name) => res.headers.get(name) ?? undefined,
        body,
        text: () => res.text(),
        cancel: () => {
          stream?.cancel().catch(() => {});
        },
      };
    },
  };
}
