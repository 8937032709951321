/**
 * Malformed input never produces a 500: every bad body, method, path, key or model gets OpenAI's
 * error envelope with the right status and, where one is at fault, the parameter named. Raw
 * `fetch` is used where the SDK would refuse to send the request.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, KEY_A, KEY_B, post, type Stack, startStack } from "./helpers/stack.js";

const BODY_LIMIT = 4096;
let stack: Stack;
/** A real upstream that records the bodies it receives (to prove unknown fields are forwarded). */
let capture: Server;
const captured: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  capture = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      captured.push(JSON.parse(raw));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          id: "chatcmpl-capture",
          object: "chat.completion",
          created: 0,
          model: "capture",
          choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  });
  await new Promise<void>((r) => capture.listen(0, "127.0.0.1", r));
  const captureUrl = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/v1`;
  stack = await startStack({
    patch: (cfg) => {
      (cfg.server as Record<string, unknown>).bodyLimitBytes = BODY_LIMIT;
      (cfg.providers as Record<string, unknown>).capture = { type: "openai", baseUrl: captureUrl };
      (cfg.models as Record<string, unknown>).capture = { provider: "capture", price: { input: 0, output: 0 } };
    },
  });
});
afterAll(async () => {
  await stack?.close();
  await new Promise<void>((r) => capture?.close(() => r()));
});

interface Envelope {
  error: { message: string; type: string; param: string | null; code: string };
}

async function envelope(res: Response, status: number): Promise<Envelope["error"]> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(res.headers.get("x-request-id")).toBeTruthy();
  const body = (await res.json()) as Envelope;
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(typeof body.error.type).toBe("string");
  expect(typeof body.error.code).toBe("string");
  expect(body.error).toHaveProperty("param");
  return body.error;
}

const okMessages = [{ role: "user", content: "hi" }];

describe("bodies that are not a JSON object", () => {
  it.each([
    ["not JSON", "{model: sim-small"],
    ["truncated JSON", '{"model":"sim-small","messages":['],
    ["an empty body", ""],
  ])("%s → 400 invalid_json", async (_name, body) => {
    const err = await envelope(await post(stack, "/v1/chat/completions", body), 400);
    expect(err.code).toBe("invalid_json");
    expect(err.type).toBe("invalid_request_error");
  });

  it.each([
    ["a JSON array", "[1,2,3]"],
    ["a JSON string", '"hello"'],
    ["a JSON number", "42"],
    ["JSON null", "null"],
  ])("%s → 400 naming the body", async (_name, body) => {
    const err = await envelope(await post(stack, "/v1/chat/completions", body), 400);
    expect(err.type).toBe("invalid_request_error");
    expect(err.message).toMatch(/JSON object/);
  });
});

describe("wrong or missing parameters name the parameter", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["missing messages", { model: "sim-small" }, "messages"],
    ["empty messages", { model: "sim-small", messages: [] }, "messages"],
    ["messages not an array", { model: "sim-small", messages: "hi" }, "messages"],
    ["missing model", { messages: okMessages }, "model"],
    ["model of the wrong type", { model: 42, messages: okMessages }, "model"],
    ["a bad role", { model: "sim-small", messages: [{ role: "wizard", content: "hi" }] }, "messages[0].role"],
    ["content of the wrong type", { model: "sim-small", messages: [{ role: "user", content: 5 }] }, "messages[0].content"],
    ["a message that is not an object", { model: "sim-small", messages: ["hi"] }, "messages[0]"],
    ["temperature as a string", { model: "sim-small", messages: okMessages, temperature: "hot" }, "temperature"],
    ["temperature out of range", { model: "sim-small", messages: okMessages, temperature: 7 }, "temperature"],
    ["stream as a string", { model: "sim-small", messages: okMessages, stream: "yes" }, "stream"],
    ["n = 0", { model: "sim-small", messages: okMessages, n: 0 }, "n"],
    ["max_tokens negative", { model: "sim-small", messages: okMessages, max_tokens: -1 }, "max_tokens"],
    ["top_logprobs above 20", { model: "sim-small", messages: okMessages, logprobs: true, top_logprobs: 50 }, "top_logprobs"],
    ["tools not an array", { model: "sim-small", messages: okMessages, tools: { type: "function" } }, "tools"],
  ];
  it.each(cases)("chat: %s → 400 param %s", async (_name, body, param) => {
    const err = await envelope(await post(stack, "/v1/chat/completions", body), 400);
    expect(err.param).toBe(param);
    expect(err.type).toBe("invalid_request_error");
    expect(err.message).toContain(param);
  });

  it("a missing required parameter says so", async () => {
    const err = await envelope(await post(stack, "/v1/chat/completions", { model: "sim-small" }), 400);
    expect(err.code).toBe("missing_required_parameter");
  });

  it.each([
    ["/v1/completions", { model: "sim-small" }, "prompt"],
    ["/v1/completions", { model: "sim-small", prompt: { text: "x" } }, "prompt"],
    ["/v1/completions", { model: "sim-small", prompt: "x", logprobs: "yes" }, "logprobs"],
    ["/v1/embeddings", { model: "sim-embed" }, "input"],
    ["/v1/embeddings", { model: "sim-embed", input: 5 }, "input"],
    ["/v1/embeddings", { model: "sim-embed", input: "x", encoding_format: "hex" }, "encoding_format"],
  ])("%s %j → 400 param %s", async (path, body, param) => {
    const err = await envelope(await post(stack, path, body), 400);
    expect(err.param).toBe(param);
  });
});

describe("body size limit (server.bodyLimitBytes)", () => {
  const big = JSON.stringify({ model: "sim-small", messages: [{ role: "user", content: "x".repeat(BODY_LIMIT * 2) }] });

  it("a declared Content-Length over the limit → 413", async () => {
    const err = await envelope(await post(stack, "/v1/chat/completions", big), 413);
    expect(err.code).toBe("request_too_large");
    expect(err.message).toContain(String(BODY_LIMIT));
  });

  it("a chunked body over the limit (no Content-Length) → 413", async () => {
    const bytes = new TextEncoder().encode(big);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 1024) controller.enqueue(bytes.slice(i, i + 1024));
        controller.close();
      },
    });
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${KEY_A}` },
      body,
      duplex: "half",
    } as RequestInit);
    const err = await envelope(res, 413);
    expect(err.code).toBe("request_too_large");
  });

  it("multi-byte characters count as bytes", async () => {
    const chars = Math.ceil(BODY_LIMIT / 3) + 10; // under the limit in characters, over it in UTF-8 bytes
    const res = await post(stack, "/v1/chat/completions", { model: "sim-small", messages: [{ role: "user", content: "€".repeat(chars) }] });
    await envelope(res, 413);
  });

  it("a body under the limit is served", async () => {
    const res = await stack.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "x".repeat(BODY_LIMIT / 4) }] });
    expect(res.choices.length).toBe(1);
  });
});

describe("unknown fields", () => {
  it("are accepted and forwarded upstream untouched (the gateway's own field is not)", async () => {
    captured.length = 0;
    const res = await post(stack, "/v1/chat/completions", {
      model: "capture",
      messages: [{ role: "user", content: "hi", vendor_message_field: 1 }],
      vendor_flag: true,
      vendor_object: { nested: [1, 2] },
      octoroute: {},
    });
    expect(res.status).toBe(200);
    expect(captured).toHaveLength(1);
    expect(captured[0]!.vendor_flag).toBe(true);
    expect(captured[0]!.vendor_object).toEqual({ nested: [1, 2] });
    expect((captured[0]!.messages as Array<Record<string, unknown>>)[0]!.vendor_message_field).toBe(1);
    expect(captured[0]).not.toHaveProperty("octoroute");
  });
});

describe("methods, paths, keys and models", () => {
  it("wrong method on a known path → 405 envelope", async () => {
    const res = await fetch(`${stack.gateway.url}/v1/chat/completions`, { headers: { authorization: `Bearer ${KEY_A}` } });
    const err = await envelope(res, 405);
    expect(err.code).toBe("method_not_allowed");
  });

  it("an unknown path → 404 envelope", async () => {
    const res = await fetch(`${stack.gateway.url}/v1/no-such-thing`, { headers: { authorization: `Bearer ${KEY_A}` } });
    const err = await envelope(res, 404);
    expect(err.code).toBe("unknown_url");
  });

  it("a missing key → 401", async () => {
    const err = await envelope(await post(stack, "/v1/chat/completions", { model: "sim-small", messages: okMessages }, {}, null), 401);
    expect(err.code).toBe("missing_api_key");
    expect(err.type).toBe("authentication_error");
  });

  it("an unknown key → 401, and the key is not echoed", async () => {
    const key = "sk-oct-not-a-real-key-123456";
    const res = await post(stack, "/v1/chat/completions", { model: "sim-small", messages: okMessages }, {}, key);
    const err = await envelope(res, 401);
    expect(err.code).toBe("invalid_api_key");
    expect(err.message).not.toContain(key);
  });

  it("a malformed Authorization header → 401", async () => {
    const res = await post(stack, "/v1/chat/completions", { model: "sim-small", messages: okMessages }, { authorization: "Basic abc" }, null);
    await envelope(res, 401);
  });

  it("the admin key cannot call models → 403", async () => {
    const res = await post(stack, "/v1/chat/completions", { model: "sim-small", messages: okMessages }, {}, ADMIN_KEY);
    const err = await envelope(res, 403);
    expect(err.code).toBe("admin_key_not_for_inference");
  });

  it("another tenant's model → 403 naming model", async () => {
    const res = await post(stack, "/v1/chat/completions", { model: "sim-large", messages: okMessages }, {}, KEY_B);
    const err = await envelope(res, 403);
    expect(err.param).toBe("model");
    expect(err.type).toBe("permission_error");
  });

  it("an unknown model → 404 naming model", async () => {
    const res = await post(stack, "/v1/chat/completions", { model: "gpt-9-imaginary", messages: okMessages });
    const err = await envelope(res, 404);
    expect(err.param).toBe("model");
    expect(err.code).toBe("model_not_found");
  });

  it("the SDK surfaces these as typed errors", async () => {
    await expect(stack.client(KEY_B).chat.completions.create({ model: "sim-large", messages: [{ role: "user", content: "hi" }] })).rejects.toMatchObject({ status: 403 });
    await expect(stack.client("sk-wrong").models.list()).rejects.toMatchObject({ status: 401 });
  });
});
