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
  signal?: AbortSignal;
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
      const res = await fetchImpl(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal });
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
