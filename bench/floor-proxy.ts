/**
 * The floor: the thinnest pass-through proxy a Node gateway can be — plain `node:http` in, an
 * undici keep-alive Pool out, bodies piped both ways, no parsing. Whatever Octoroute adds (auth,
 * validation, accounting, headers) is measured as a ratio against this, in the same run.
 * Run alone: `tsx bench/floor-proxy.ts <upstream-origin>`; prints `{"url": ...}` when listening.
 */
import { createServer, type IncomingHttpHeaders, type OutgoingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { type Dispatcher, Pool } from "undici";

/** Hop-by-hop headers (RFC 9110 §7.6.1) are per connection and never forwarded. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

export interface FloorProxy {
  url: string;
  close(): Promise<void>;
}

/** Starts the floor proxy in front of `upstreamOrigin` (e.g. `http://127.0.0.1:4000`). */
export async function startFloorProxy(upstreamOrigin: string, port = 0): Promise<FloorProxy> {
  const pool = new Pool(upstreamOrigin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const server: Server = createServer(async (req, res) => {
    try {
      const up = await pool.request({
        path: req.url ?? "/",
        method: (req.method ?? "GET") as Dispatcher.HttpMethod,
        headers: endToEnd(req.headers) as Record<string, string>,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : req,
      });
      res.writeHead(up.statusCode, endToEnd(up.headers));
      await pipeline(up.body, res);
    } catch {
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await pool.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const upstream = process.argv[2];
  if (!upstream) throw new Error("usage: floor-proxy.ts <upstream-origin>");
  const proxy = await startFloorProxy(upstream);
  console.log(JSON.stringify({ url: proxy.url }));
}
