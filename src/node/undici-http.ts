/**
 * HttpClient on undici for Node: one keep-alive pool (Agent) per upstream origin, sized from the
 * provider config. `request()` is undici's fastest API (no WHATWG streams on the hot path).
 */
import { Agent, request } from "undici";
import type { HttpClient, HttpRequest, HttpResponse } from "../providers/http.js";

export interface UndiciHttpOptions {
  connectTimeoutMs?: number;
  connections?: number;
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
    async request(req: HttpRequest): Promise<HttpResponse> {
      const res = await request(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal, dispatcher: agent });
      const body = res.body;
      return {
        status: res.statusCode,
        header: (name) => {
          const v = res.headers[name];
          return Array.isArray(v) ? v.join(", ") : v;
        },
        body: body as AsyncIterable<Uint8Array>,
        text: () => body.text(),
        cancel: () => {
          body.destroy();
        },
      };
    },
    close: () => agent.close(),
    destroy: () => agent.destroy(),
  };
}
