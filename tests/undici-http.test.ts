/**
 * The Node HttpClient (`src/node/undici-http.ts`: undici's dispatch with our own body handler)
 * against a real HTTP server on loopback: large bodies read slowly arrive whole (the socket is
 * paused and resumed), a reader that stops releases the connection, data sent before a reset is
 * read before the error, and a cancellation before the headers rejects the request.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { undiciHttpClient } from "../src/node/undici-http.js";
import { cancel, type Cancellation } from "../src/providers/http.js";

let server: Server;
let base: string;
const closed: string[] = [];
const BIG = Buffer.alloc(2 * 1024 * 1024, "abcdefghij");

beforeAll(async () => {
  server = createServer((req, res: ServerResponse) => {
    res.on("close", () => closed.push(req.url!));
    if (req.url === "/big") {
      res.writeHead(200, { "content-type": "application/octet-stream", "x-twice": "a" });
      // Many writes, as a stream does.
      for (let i = 0; i < BIG.length; i += 16 * 1024) res.write(BIG.subarray(i, i + 16 * 1024));
      res.end();
    } else if (req.url === "/endless") {
      res.writeHead(200);
      const timer = setInterval(() => res.write("tick\n"), 5);
      res.on("close", () => clearInterval(timer));
    } else if (req.url === "/reset") {
      res.writeHead(200, { "content-length": "100" });
      res.write("partial data");
      setTimeout(() => res.socket?.destroy(), 20);
    } else if (req.url === "/stall") {
      // Never answers.
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const http = undiciHttpClient({ connections: 4 });
afterAll(() => http.close());

describe("undici HttpClient", () => {
  it("delivers a large body whole to a slow reader", async () => {
    const res = await http.request({ url: `${base}/big`, method: "GET", headers: {} });
    expect(res.status).toBe(200);
    expect(res.header("content-type")).toBe("application/octet-stream");
    expect(res.header("x-twice")).toBe("a");
    expect(res.header("x-missing")).toBeUndefined();
    const parts: Uint8Array[] = [];
    for await (const chunk of res.body) {
      parts.push(chunk);
      if (parts.length % 8 === 0) await new Promise((r) => setTimeout(r, 2)); // slower than the server
    }
    expect(Buffer.concat(parts).equals(BIG)).toBe(true);
  });

  it("a reader that stops early releases the connection", async () => {
    const res = await http.request({ url: `${base}/endless`, method: "GET", headers: {} });
    for await (const _chunk of res.body) break;
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toContain("/endless");
  });

  it("reads what arrived before a reset, then fails", async () => {
    const res = await http.request({ url: `${base}/reset`, method: "GET", headers: {} });
    let text = "";
    const failure = await (async () => {
      try {
        for await (const chunk of res.body) text += Buffer.from(chunk).toString();
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(text).toBe("partial data");
    expect(failure).toBeInstanceOf(Error);
  });

  it("a cancellation before the headers rejects with its reason and closes the request", async () => {
    const cancellation: Cancellation = { reason: null, onCancel: null };
    const pending = http.request({ url: `${base}/stall`, method: "GET", headers: {}, cancellation });
    const reason = new Error("deadline passed");
    setTimeout(() => cancel(cancellation, reason), 50);
    await expect(pending).rejects.toBe(reason);
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toContain("/stall");
    // Already cancelled: rejected at once, nothing sent.
    await expect(http.request({ url: `${base}/stall`, method: "GET", headers: {}, cancellation })).rejects.toBe(reason);
  });
});
