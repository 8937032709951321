/**
 * The Gemini adapter end to end: the official `openai` SDK talks to the gateway, which talks
 * Gemini `generateContent` / `streamGenerateContent?alt=sse` to the sim. Covers text (system
 * instruction, multi-turn, images), tools (functionCall → tool_calls, tool messages →
 * functionResponse, streamed), n → candidateCount, finishReason mapping, usage and cost, error
 * mapping (429, 503 overload, 400) and key redaction.
 */
import { APIError } from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countTokens } from "../src/sim/random.js";
import { type Stack, startStack } from "./helpers/stack.js";

const KEY = "AIza-test-0123456789abcdef";
const BAD_KEY = "invalid-SECRET-gemini-key-987654";
const PRICE = { input: 0.3, output: 2.5 };

let stack: Stack;
let seq = 0;
const rid = (tag: string) => `gem-${tag}-${++seq}-${Date.now()}`;

beforeAll(async () => {
  stack = await startStack({
    patch: (cfg) => {
      const providers = cfg.providers as Record<string, { baseUrl?: string } & Record<string, unknown>>;
      const common = {
        type: "gemini",
        baseUrl: providers.sim!.baseUrl!.replace(/\/v1$/, "/v1beta"),
        forwardHeaders: ["x-sim-fault", "x-sim-finish-reason", "x-sim-stream-error"],
        timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 1500 },
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 1500 },
      };
      providers.gemini = { ...common, apiKey: KEY };
      providers["gemini-badkey"] = { ...common, apiKey: BAD_KEY };
      const capabilities = { logprobs: false, maxTopLogprobs: 0 };
      const models = cfg.models as Record<string, unknown>;
      models.gemini = { provider: "gemini", upstreamModel: "sim-fast", price: PRICE, capabilities };
      models["gemini-badkey"] = { provider: "gemini-badkey", upstreamModel: "sim-fast", price: PRICE, capabilities };
      models["gemini-embed"] = { provider: "gemini", upstreamModel: "text-embedding-004", price: { input: 0.1, output: 0 }, capabilities: { chat: false, embeddings: true } };
    },
  });
});
afterAll(() => stack?.close());

const client = () => stack.client();
async function errorOf(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(APIError);
    return err as APIError;
  }
  throw new Error("expected the call to fail");
}
const native = (c: unknown) => (c as { native_finish_reason?: string }).native_finish_reason;

const weather: ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } } } },
};

describe("gemini: text", () => {
  it("round-trips a system instruction and a multi-turn conversation, with exact usage and cost", async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "hello there" },
      { role: "assistant", content: "hi" },
      { role: "user", content: "tell me about routing" },
    ];
    const { data, response } = await client().chat.completions.create({ model: "gemini", messages }).withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(data.choices[0]!.finish_reason).toBe("stop");
    expect(native(data.choices[0])).toBe("STOP");
    // systemInstruction is not a turn; the three contents are.
    expect(data.usage!.prompt_tokens).toBe(countTokens("You are terse.") + countTokens("hello there") + countTokens("hi") + countTokens("tell me about routing") + 3);
    const cost = (data.usage!.prompt_tokens * PRICE.input + data.usage!.completion_tokens * PRICE.output) / 1e6;
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(cost, 12);
  });

  it("sends images as inlineData / fileData", async () => {
    const data = await client().chat.completions.create({
      model: "gemini",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "describe" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    });
    // The sim bills 258 tokens per media part, as Gemini does per image.
    expect(data.usage!.prompt_tokens).toBe(countTokens("describe") + 2 * 258 + 1);
  });

  it("streams text with a usage chunk equal to the non-streamed answer", async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "stream please" }];
    const stream = await client().chat.completions.create({ model: "gemini", messages, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage;
    const finishes: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    const plain = await client().chat.completions.create({ model: "gemini", messages });
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(finishes).toEqual(["stop"]);
    expect(usage).toMatchObject({ prompt_tokens: plain.usage!.prompt_tokens, completion_tokens: plain.usage!.completion_tokens });
  });

  it("maps n to candidateCount and max_tokens / stop to generationConfig", async () => {
    const many = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "several" }], n: 3 });
    expect(many.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const short = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "long please" }], max_tokens: 3 });
    expect(short.choices[0]!.finish_reason).toBe("length");
    expect(native(short.choices[0])).toBe("MAX_TOKENS");
    const full = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "stop test" }] });
    const text = full.choices[0]!.message.content!;
    const stop = ` ${text.split(" ")[2]}`;
    const cut = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "stop test" }], stop });
    expect(cut.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
  });

  it.each([
    ["STOP", "stop"],
    ["MAX_TOKENS", "length"],
    ["SAFETY", "content_filter"],
    ["RECITATION", "content_filter"],
    ["PROHIBITED_CONTENT", "content_filter"],
    ["MALFORMED_FUNCTION_CALL", "stop"],
    ["OTHER", "stop"],
  ])("finishReason %s → %s", async (reason, finish) => {
    const headers = { "x-sim-finish-reason": reason };
    const plain = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: reason }] }, { headers });
    expect(plain.choices[0]!.finish_reason).toBe(finish);
    expect(native(plain.choices[0])).toBe(reason);
  });
});

describe("gemini: tools", () => {
  it("functionCall → tool_calls, and tool messages → functionResponse by name", async () => {
    const first = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "weather?" }], tools: [weather], tool_choice: "required" });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    const args = JSON.parse(call.type === "function" ? call.function.arguments : "{}");
    expect(Number.isInteger(args.days)).toBe(true);
    const follow = await client().chat.completions.create({
      model: "gemini",
      tools: [weather],
      messages: [
        { role: "user", content: "weather?" },
        { role: "assistant", content: null, tool_calls: [call] },
        { role: "tool", tool_call_id: call.id, content: '{"temp": 21}' },
      ],
    });
    expect(follow.choices[0]!.finish_reason).toBe("stop");
    const err = await errorOf(
      client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "x" }, { role: "tool", tool_call_id: "nope", content: "y" }] }),
    );
    expect(err.status).toBe(400);
    expect((err.error as { param?: string }).param).toBe("messages[1].tool_call_id");
  });

  it("streams tool calls that the SDK reassembles, named tool_choice honoured", async () => {
    const other: ChatCompletionTool = { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string" } } } } };
    const runner = client().chat.completions.stream({ model: "gemini", messages: [{ role: "user", content: "time?" }], tools: [weather, other], tool_choice: { type: "function", function: { name: "get_time" } } });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_time");
    expect(typeof JSON.parse(call.type === "function" ? call.function.arguments : "{}").zone).toBe("string");
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
  });
});

describe("gemini: structured outputs", () => {
  it("answers chat.completions.parse with JSON that satisfies the client's JSON Schema (streamed and not)", async () => {
    // zod's schema has additionalProperties:false and a nested array: JSON Schema, not Google's subset.
    const Recipe = z.object({ name: z.string(), minutes: z.number().int(), ingredients: z.array(z.object({ item: z.string(), grams: z.number() })) });
    const parsed = await client().chat.completions.parse({ model: "gemini", messages: [{ role: "user", content: "A quick recipe." }], response_format: zodResponseFormat(Recipe, "recipe") });
    expect(parsed.choices[0]!.finish_reason).toBe("stop");
    expect(Recipe.parse(parsed.choices[0]!.message.parsed)).toEqual(parsed.choices[0]!.message.parsed);
    const stream = await client().chat.completions.create({ model: "gemini", stream: true, messages: [{ role: "user", content: "A quick recipe." }], response_format: zodResponseFormat(Recipe, "recipe") as never });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(() => Recipe.parse(JSON.parse(text))).not.toThrow();
  });
});

describe("gemini: embeddings", () => {
  it("embeds through batchEmbedContents, floats or base64, sized by dimensions, with estimated usage", async () => {
    const input = ["the quick brown fox", "jumps over the lazy dog"];
    const floats = await client().embeddings.create({ model: "gemini-embed", input, dimensions: 8, encoding_format: "float" });
    expect(floats.data.map((d) => d.index)).toEqual([0, 1]);
    expect(floats.data.every((d) => d.embedding.length === 8)).toBe(true);
    // The same vectors as base64 (little-endian float32), as the SDK asks for by default.
    const packed = await client().embeddings.create({ model: "gemini-embed", input, dimensions: 8, encoding_format: "base64" });
    const decoded = packed.data.map((d) => {
      const bytes = Buffer.from(d.embedding as unknown as string, "base64");
      return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    });
    expect(decoded[0]).toEqual(floats.data[0]!.embedding.map((v) => Math.fround(v)));
    // Gemini reports no usage: estimated from the input, and priced.
    expect(floats.usage.prompt_tokens).toBeGreaterThan(5);
    const err = await errorOf(client().embeddings.create({ model: "gemini-embed", input: [[1, 2, 3]] }));
    expect(err.status).toBe(400);
    expect((err.error as { param?: string }).param).toBe("input");
  });
});

describe("gemini: errors", () => {
  const ask = (fault: string) => client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "errors" }] }, { headers: { "x-request-id": rid("e"), "x-sim-fault": fault } });

  it("429 keeps Retry-After; 503 overload is retried then surfaces as 503", async () => {
    const limited = await errorOf(ask("429;retry-after=30"));
    expect(limited.status).toBe(429);
    expect(limited.headers?.get("retry-after")).toBe("30");
    expect(limited.message).toContain("RESOURCE_EXHAUSTED");
    const ok = await ask("529;times=1");
    expect(ok.choices[0]!.message.content!.length).toBeGreaterThan(0);
    const down = await errorOf(ask("529"));
    expect(down.status).toBe(503);
    expect(down.message).toContain("UNAVAILABLE");
  });

  it("an error event mid-stream ends the client's stream with that error", async () => {
    const stream = await client().chat.completions.create(
      { model: "gemini", messages: [{ role: "user", content: "a long enough answer please" }], stream: true },
      { headers: { "x-request-id": rid("se"), "x-sim-stream-error": "503" } },
    );
    let text = "";
    const err = await errorOf(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      })(),
    );
    expect(err.message).toContain("UNAVAILABLE");
    expect(text.length).toBeGreaterThan(0);
  });

  it("a truncated stream is an error, not a clean end", async () => {
    const stream = await client().chat.completions.create({ model: "gemini", messages: [{ role: "user", content: "truncate me please now" }], stream: true }, { headers: { "x-request-id": rid("t"), "x-sim-fault": "truncate" } });
    await errorOf(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    );
  });

  it("never shows the provider key, even when the upstream echoes it", async () => {
    const err = await errorOf(client().chat.completions.create({ model: "gemini-badkey", messages: [{ role: "user", content: "hi" }] }));
    // Google says 400 INVALID_ARGUMENT, but it is the gateway's key that failed: 502.
    expect(err.status).toBe(502);
    expect((err.error as { code?: string }).code).toBe("upstream_auth_failed");
    expect(err.message).toContain("INVALID_ARGUMENT");
    expect(err.message).toContain("[redacted]");
    expect(JSON.stringify(err.error)).not.toContain("SECRET");
  });
});
