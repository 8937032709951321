/**
 * The same pass-through as the floor proxy, but written the way a Hono app on @hono/node-server
 * is: a fetch-style handler, WHATWG Request in, a web-stream Response out. The gap between this
 * and the floor is what the adapter's web-stream path costs by itself — measured, so the question
 * "is Hono's request path Octoroute's bottleneck?" has a number in the same run.
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { type Dispatcher, Pool } from "undici";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"]);

/** Starts the Hono pass-through in front of `upstreamOrigin`; resolves to its base URL. */
export async function startHonoProxy(upstreamOrigin: string): Promise<string> {
  const pool = new Pool(upstreamOrigin, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  const app = new Hono();
  app.all("*", async (c) => {
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((v, k) => {
      if (!HOP_BY_HOP.has(k)) headers[k] = v;
    });
    const url = new URL(c.req.url);
    const up = await pool.request({
      path: url.pathname + url.search,
      method: c.req.method as Dispatcher.HttpMethod,
      headers,
      body: c.req.raw.body ? Buffer.from(await c.req.arrayBuffer()) : undefined,
    });
    const out: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(up.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    return new Response(Readable.toWeb(up.body) as ReadableStream, { status: up.statusCode, headers: out as Record<string, string> });
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
