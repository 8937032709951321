/**
 * Browser clients: CORS preflights are answered before authentication, browser requests get
 * `Access-Control-Allow-*` headers (errors included, so a page can read a 401), server-side
 * requests get none, and `server.cors.origins` restricts or turns it off. Then the real thing: the
 * official `openai` SDK running in headless Chromium on another origin chats, streams and reads the
 * gateway's explanation headers. With CI=true a missing Chromium fails the suite rather than skipping it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, normalize } from "node:path";
import type { Browser } from "playwright-core";
import { BROWSER_TESTS, launchChromium } from "./helpers/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_A, type Stack, startStack } from "./helpers/stack.js";

const PAGE_ORIGIN = "http://app.example.test";

let open: Stack;
let restricted: Stack;
beforeAll(async () => {
  open = await startStack();
  restricted = await startStack({ patch: (cfg) => void ((cfg.server as Record<string, unknown>).cors = { origins: ["https://app.example.com/"], maxAgeSeconds: 60 }) });
});
afterAll(async () => {
  await open?.close();
  await restricted?.close();
});

const preflight = (stack: Stack, origin: string) =>
  fetch(`${stack.baseURL}/chat/completions`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type,x-stainless-os" },
  });
const chat = (stack: Stack, headers: Record<string, string>) =>
  fetch(`${stack.baseURL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "sim-small", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 }),
  });

describe("CORS over HTTP", () => {
  it("answers a preflight without a key, allowing the method and the headers asked for", async () => {
    const res = await preflight(open, PAGE_ORIGIN);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization,content-type,x-stainless-os");
    expect(res.headers.get("access-control-max-age")).toBe("600");
  });

  it("lets a page read the answer, the explanation headers and an error", async () => {
    const ok = await chat(open, { origin: PAGE_ORIGIN, authorization: `Bearer ${KEY_A}` });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("*");
    const exposed = ok.headers.get("access-control-expose-headers")!.split(", ");
    expect(exposed).toEqual(expect.arrayContaining(["x-request-id", "x-octoroute-model", "x-octoroute-cost-usd"]));
    expect(ok.headers.get("x-octoroute-model")).toBe("sim-small");
    const denied = await chat(open, { origin: PAGE_ORIGIN });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("access-control-allow-origin")).toBe("*");
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
  });

  it("adds nothing for server-side clients (no Origin)", async () => {
    const res = await chat(open, { authorization: `Bearer ${KEY_A}` });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("with a list of origins: echoes an allowed one, ignores others", async () => {
    const allowed = await preflight(restricted, "https://app.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-max-age")).toBe("60");
    expect(allowed.headers.get("vary")).toContain("Origin");
    const ok = await chat(restricted, { origin: "https://app.example.com", authorization: `Bearer ${KEY_A}` });
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const other = await preflight(restricted, "https://evil.example.net");
    expect(other.status).toBe(204);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    const otherChat = await chat(restricted, { origin: "https://evil.example.net", authorization: `Bearer ${KEY_A}` });
    expect(otherChat.headers.get("access-control-allow-origin")).toBeNull();
  });
});

/** Serves the test page and the `openai` package's ES modules, from an origin of its own. */
function pageServer(): Promise<{ server: Server; url: string }> {
  const root = join(process.cwd(), "node_modules", "openai");
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>");
      return;
    }
    const file = normalize(join(root, path.replace(/^\/openai\//, "")));
    if (!path.startsWith("/openai/") || !file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "text/javascript" }).end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe.skipIf(!BROWSER_TESTS)("the openai SDK in headless Chromium, from another origin", () => {
  let browser: Browser;
  let page: { server: Server; url: string };
  beforeAll(async () => {
    browser = await launchChromium();
    page = await pageServer();
  });
  afterAll(async () => {
    await browser?.close();
    page?.server.close();
  });

  /** Runs the SDK in a fresh page against `baseURL`; returns what the page saw. */
  async function inBrowser(baseURL: string, key: string) {
    const tab = await browser.newPage();
    try {
      await tab.goto(page.url);
      // A string, not a function: the test runner rewrites `import()` in functions it compiles.
      return (await tab.evaluate(`(async () => {
        const { default: OpenAI } = await import("/openai/index.mjs");
        const client = new OpenAI({ baseURL: ${JSON.stringify(baseURL)}, apiKey: ${JSON.stringify(key)}, dangerouslyAllowBrowser: true, maxRetries: 0 });
        try {
          const { data, response } = await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "Hi" }], max_tokens: 8 }).withResponse();
          let streamed = "";
          let usage = 0;
          const stream = await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "Hi" }], stream: true, stream_options: { include_usage: true } });
          for await (const chunk of stream) {
            streamed += chunk.choices[0]?.delta?.content ?? "";
            if (chunk.usage) usage = chunk.usage.total_tokens;
          }
          return { ok: true, content: data.choices[0].message.content, model: response.headers.get("x-octoroute-model"), cost: response.headers.get("x-octoroute-cost-usd"), streamed, usage };
        } catch (err) {
          return { ok: false, status: err.status, code: err.code, kind: err.constructor.name };
        }
      })()`)) as { ok: boolean; content?: string; model?: string; cost?: string; streamed?: string; usage?: number; status?: number; code?: string; kind?: string };
    } finally {
      await tab.close();
    }
  }

  it("chats and streams, and reads the gateway's headers", async () => {
    const seen = await inBrowser(open.baseURL, KEY_A);
    expect(seen).toMatchObject({ ok: true, model: "sim-small" });
    expect(seen.content).toBeTruthy();
    expect(Number(seen.cost)).toBeGreaterThan(0);
    expect(seen.streamed).toBeTruthy();
    expect(seen.usage).toBeGreaterThan(0);
  });

  it("sees a wrong key as the SDK's AuthenticationError, not a network failure", async () => {
    expect(await inBrowser(open.baseURL, "sk-wrong")).toMatchObject({ ok: false, status: 401, code: "invalid_api_key", kind: "AuthenticationError" });
  });

  it("cannot call a gateway whose origins do not include the page's", async () => {
    expect(await inBrowser(restricted.baseURL, KEY_A)).toMatchObject({ ok: false, status: undefined, kind: "APIConnectionError" });
  });
});
