/**
 * The Anthropic adapter end to end: the official `openai` SDK talks to the gateway, which talks
 * Anthropic Messages to the sim's `/v1/messages`. Covers text (system + multi-turn, merged turns,
 * images, prefill), tools (plain, streamed deltas, tool_result turns), streaming with usage,
 * every `stop_reason` → `finish_reason`, cache-token usage and its exact cost, upstream error
 * mapping (429 + Retry-After, 529 overloaded, 400, mid-stream error events) and key redaction,
 * and JSON `response_format`s answered through a forced answer tool (the SDK's `parse` helpers).
 */
import { APIError } from "openai";
import { createOpenAI } from "@ai-sdk/openai";
import { generateObject, streamObject } from "ai";
import { zodResponseFormat } from "openai/helpers/zod";
import { z } from "zod";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { toMessagesRequest } from "../src/providers/anthropic/request.js";
import { countTokens } from "../src/sim/random.js";
import { KEY_A, type Stack, post, startStack } from "./helpers/stack.js";

const KEY = "sk-ant-test-0123456789abcdef";
const BAD_KEY = "sk-ant-invalid-SECRET-9876543210";
const PRICE = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };

let stack: Stack;
let seq = 0;
const rid = (tag: string) => `anth-${tag}-${++seq}-${Date.now()}`;

beforeAll(async () => {
  stack = await startStack({
    patch: (cfg) => {
      const providers = cfg.providers as Record<string, unknown>;
      const common = {
        type: "anthropic",
        baseUrl: stack0Url(cfg),
        forwardHeaders: ["x-sim-fault", "x-sim-stop-reason", "x-sim-stream-error"],
        timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 1500 },
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 1500 },
      };
      providers.anthropic = { ...common, apiKey: KEY };
      providers["anthropic-badkey"] = { ...common, apiKey: BAD_KEY };
      const capabilities = { logprobs: false, maxTopLogprobs: 0, n: false, assistantPrefix: true };
      const models = cfg.models as Record<string, unknown>;
      models.claude = { provider: "anthropic", upstreamModel: "sim-fast", price: PRICE, capabilities };
      models["claude-slow"] = { provider: "anthropic", upstreamModel: "sim-large", price: PRICE, capabilities };
      models["claude-badkey"] = { provider: "anthropic-badkey", upstreamModel: "sim-fast", price: PRICE, capabilities };
    },
  });
});
afterAll(() => stack?.close());

/** The sim's base URL, read from the OpenAI provider the base config already points at it. */
function stack0Url(cfg: Record<string, unknown>): string {
  return ((cfg.providers as Record<string, { baseUrl: string }>).sim!).baseUrl;
}

const client = () => stack.client();
const costOf = (u: { prompt_tokens: number; completion_tokens: number; prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null }) => {
  const read = u.prompt_tokens_details?.cached_tokens ?? 0;
  const write = (u.prompt_tokens_details as { cache_write_tokens?: number } | undefined)?.cache_write_tokens ?? 0;
  return ((u.prompt_tokens - read - write) * PRICE.input + read * PRICE.cachedInput + write * PRICE.cacheWrite + u.completion_tokens * PRICE.output) / 1e6;
};

async function errorOf(p: Promise<unknown>): Promise<APIError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(APIError);
    return err as APIError;
  }
  throw new Error("expected the call to fail");
}

const weather: ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", description: "Weather for a city", parameters: { type: "object", properties: { city: { type: "string" }, days: { type: "integer" } }, required: ["city"] } },
};

describe("anthropic: text", () => {
  it("round-trips a system prompt and a multi-turn conversation, merging same-role turns", async () => {
    const messages: ChatCompletionMessageParam[] = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "hello there" },
      { role: "user", content: "are you there" },
      { role: "assistant", content: "yes I am" },
      { role: "developer", content: "answer in English" },
      { role: "user", content: "tell me about routing" },
    ];
    const { data, response } = await client().chat.completions.create({ model: "claude", messages }).withResponse();
    const choice = data.choices[0]!;
    expect(choice.message.role).toBe("assistant");
    expect(choice.message.content!.length).toBeGreaterThan(0);
    expect(choice.finish_reason).toBe("stop");
    expect((choice as unknown as { native_finish_reason: string }).native_finish_reason).toBe("end_turn");
    expect(data.id).toMatch(/^msg_/);
    // The sim counts system text + message text + one token per turn: two system prompts joined
    // into one, and the two user messages merged into one turn (3 turns, not 4).
    const expected = countTokens("You are terse.") + countTokens("answer in English") + countTokens("hello there") + countTokens("are you there") + countTokens("yes I am") + countTokens("tell me about routing") + 3;
    expect(data.usage!.prompt_tokens).toBe(expected);
    expect(data.usage!.total_tokens).toBe(data.usage!.prompt_tokens + data.usage!.completion_tokens);
    expect(response.headers.get("x-octoroute-model")).toBe("claude");
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(costOf(data.usage!), 12);
  });

  it("translates image parts (data: URI → base64 source, https URL → url source)", async () => {
    const content = [
      { type: "text" as const, text: "what is in these" },
      { type: "image_url" as const, image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
      { type: "image_url" as const, image_url: { url: "https://example.com/cat.png" } },
    ];
    const data = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content }] });
    // The sim bills 100 tokens per image block it received as a valid Anthropic image.
    expect(data.usage!.prompt_tokens).toBe(countTokens("what is in these") + 200 + 1);
    const err = await errorOf(
      client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "ftp://x/y.png" } }] }] }),
    );
    expect(err.status).toBe(400);
    expect((err.error as { param?: string }).param).toBe("messages[0].content[0].image_url.url");
  });

  it("continues a trailing assistant message (prefill) and rejects one Anthropic would refuse", async () => {
    const data = await client().chat.completions.create({
      model: "claude",
      messages: [
        { role: "user", content: "write a sentence" },
        { role: "assistant", content: "The gateway" },
      ],
    });
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    // Trailing whitespace in a prefill is a 400 from Anthropic; the gateway carries its message.
    const err = await errorOf(
      client().chat.completions.create({
        model: "claude",
        messages: [
          { role: "user", content: "write a sentence" },
          { role: "assistant", content: "The gateway " },
        ],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message).toContain("trailing whitespace");
    expect(err.message).toContain("invalid_request_error");
  });

  it("streams text, ends with a usage chunk when asked, and matches the non-streamed answer", async () => {
    const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "stream please" }];
    const stream = await client().chat.completions.create({ model: "claude", messages, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage;
    let chunks = 0;
    let finish: string | null = null;
    let roleSeen = false;
    let lastChoices = -1;
    for await (const chunk of stream) {
      chunks++;
      const c = chunk.choices[0];
      if (c?.delta?.role === "assistant") roleSeen = true;
      text += c?.delta?.content ?? "";
      if (c?.finish_reason) finish = c.finish_reason;
      if (chunk.usage) usage = chunk.usage;
      lastChoices = chunk.choices.length;
    }
    expect(roleSeen).toBe(true);
    expect(chunks).toBeGreaterThan(3);
    expect(finish).toBe("stop");
    expect(lastChoices).toBe(0);
    const plain = await client().chat.completions.create({ model: "claude", messages });
    expect(text).toBe(plain.choices[0]!.message.content);
    expect(usage).toMatchObject({ prompt_tokens: plain.usage!.prompt_tokens, completion_tokens: plain.usage!.completion_tokens });
  });

  it("a client that leaves mid-stream cancels the upstream Anthropic request", async () => {
    const id = rid("abort");
    const stream = await client().chat.completions.create({ model: "claude-slow", messages: [{ role: "user", content: "a slow answer" }], stream: true }, { headers: { "x-request-id": id } });
    let chunks = 0;
    // Leaving the loop makes the SDK abort its HTTP request to the gateway.
    for await (const _ of stream) if (++chunks === 2) break;
    expect(chunks).toBe(2);
    await vi.waitFor(() => expect(stack.sim.stats.cancelled).toContain(id), { timeout: 5000, interval: 20 });
  });

  it("strips the usage chunk when the client did not ask for it", async () => {
    const stream = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "no usage" }], stream: true });
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.usage ?? null).toBeNull();
    }
    expect(chunks).toBeGreaterThan(2);
  });
});

describe("anthropic: tools", () => {
  it("turns tool_use blocks into tool_calls, and tool messages into a tool_result turn", async () => {
    const first = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "weather in Paris?" }], tools: [weather], tool_choice: "required" });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect((choice as unknown as { native_finish_reason: string }).native_finish_reason).toBe("tool_use");
    const call = choice.message.tool_calls![0]!;
    expect(call.id).toMatch(/^toolu_/);
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    const args = JSON.parse(call.type === "function" ? call.function.arguments : "{}");
    expect(typeof args.city).toBe("string");
    expect(Number.isInteger(args.days)).toBe(true);

    // Two calls answered by two tool messages: they must land in ONE user turn, as tool_result
    // blocks leading it (the sim rejects anything else, like the real API).
    const second = { ...call, id: "toolu_second" };
    const followUp = await client().chat.completions.create({
      model: "claude",
      tools: [weather],
      messages: [
        { role: "user", content: "weather in Paris and Rome?" },
        { role: "assistant", content: null, tool_calls: [call, second] },
        { role: "tool", tool_call_id: call.id, content: "sunny, 24C" },
        { role: "tool", tool_call_id: second.id, content: "cloudy, 19C" },
      ],
    });
    expect(followUp.choices[0]!.finish_reason).toBe("stop");
    expect(followUp.choices[0]!.message.content!.length).toBeGreaterThan(0);
  });

  it("honours tool_choice none and named tools", async () => {
    const none = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "hi" }], tools: [weather], tool_choice: "none" });
    expect(none.choices[0]!.message.tool_calls ?? []).toHaveLength(0);
    const other: ChatCompletionTool = { type: "function", function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string" } } } } };
    const named = await client().chat.completions.create({
      model: "claude",
      messages: [{ role: "user", content: "time?" }],
      tools: [weather, other],
      tool_choice: { type: "function", function: { name: "get_time" } },
    });
    const call = named.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_time");
  });

  it("streams tool-call deltas that the SDK reassembles", async () => {
    const runner = client().chat.completions.stream({ model: "claude", messages: [{ role: "user", content: "weather?" }], tools: [weather] });
    let argPieces = 0;
    runner.on("chunk", (c) => {
      if (c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments) argPieces++;
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(call.id).toMatch(/^toolu_/);
    const args = JSON.parse(call.type === "function" ? call.function.arguments : "{}");
    expect(typeof args.city).toBe("string");
    expect(argPieces).toBeGreaterThan(1);
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    // Same call as without streaming (deterministic sim).
    const plain = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "weather?" }], tools: [weather] });
    const plainCall = plain.choices[0]!.message.tool_calls![0]!;
    expect(plainCall.type === "function" && JSON.parse(plainCall.function.arguments)).toEqual(args);
  });

  it("rejects malformed tool-call arguments with a 400 naming the parameter", async () => {
    const err = await errorOf(
      client().chat.completions.create({
        model: "claude",
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: "{not json" } }] },
          { role: "tool", tool_call_id: "toolu_1", content: "ok" },
        ],
      }),
    );
    expect(err.status).toBe(400);
    expect((err.error as { param?: string }).param).toBe("messages[1].tool_calls[0].function.arguments");
  });
});

describe("anthropic: stop_reason → finish_reason", () => {
  const cases: Array<[string, string]> = [
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["pause_turn", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
  ];
  it.each(cases)("%s → %s (plain and streamed)", async (reason, finish) => {
    const headers = { "x-sim-stop-reason": reason };
    const plain = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: `reason ${reason}` }] }, { headers });
    expect(plain.choices[0]!.finish_reason).toBe(finish);
    expect((plain.choices[0] as unknown as { native_finish_reason: string }).native_finish_reason).toBe(reason);
    const stream = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: `reason ${reason}` }], stream: true }, { headers });
    const finishes: string[] = [];
    const natives: string[] = [];
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.finish_reason) finishes.push(c.finish_reason);
      if (c?.finish_reason) natives.push((c as unknown as { native_finish_reason: string }).native_finish_reason);
    }
    expect(finishes).toEqual([finish]);
    expect(natives).toEqual([reason]);
  });

  it("maps a real max_tokens cut and a real stop sequence", async () => {
    const short = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "long please" }], max_tokens: 3 });
    expect(short.choices[0]!.finish_reason).toBe("length");
    expect(short.usage!.completion_tokens).toBe(3);

    const full = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "stop test" }] });
    const text = full.choices[0]!.message.content!;
    const words = text.split(" ");
    const stop = ` ${words[2]}`;
    const cut = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "stop test" }], stop: [stop] });
    expect(cut.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(cut.choices[0]!.finish_reason).toBe("stop");
    expect((cut.choices[0] as unknown as { native_finish_reason: string }).native_finish_reason).toBe("stop_sequence");
  });
});

describe("anthropic: usage and cost with prompt caching", () => {
  it("reports cache writes then cache reads and bills each at its own rate", async () => {
    const system = [{ type: "text", text: "A long shared preamble about gateways, routing and cost. ".repeat(20), cache_control: { type: "ephemeral" } }];
    const req = {
      model: "claude",
      messages: [
        { role: "system", content: system },
        { role: "user", content: "first question" },
      ],
    } as unknown as Parameters<ReturnType<typeof client>["chat"]["completions"]["create"]>[0] & { stream?: false };
    const prefix = countTokens(system[0]!.text);

    const a = await client().chat.completions.create(req).withResponse();
    const ua = a.data.usage!;
    expect(ua.prompt_tokens_details).toMatchObject({ cache_write_tokens: prefix });
    expect(ua.prompt_tokens_details?.cached_tokens ?? 0).toBe(0);
    expect(ua.prompt_tokens).toBe(prefix + countTokens("first question") + 1);
    expect(Number(a.response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(costOf(ua), 12);

    const b = await client().chat.completions.create(req).withResponse();
    const ub = b.data.usage!;
    expect(ub.prompt_tokens_details?.cached_tokens).toBe(prefix);
    expect((ub.prompt_tokens_details as { cache_write_tokens?: number }).cache_write_tokens ?? 0).toBe(0);
    expect(ub.prompt_tokens).toBe(ua.prompt_tokens);
    const cost = Number(b.response.headers.get("x-octoroute-cost-usd"));
    expect(cost).toBeCloseTo(((ub.prompt_tokens - prefix) * 3 + prefix * 0.3 + ub.completion_tokens * 15) / 1e6, 12);
    expect(cost).toBeLessThan(Number(a.response.headers.get("x-octoroute-cost-usd")));

    // Streaming reports the same cache read in its usage chunk.
    const stream = await client().chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } } as never);
    let usage: typeof ub | undefined;
    for await (const chunk of stream as unknown as AsyncIterable<{ usage?: typeof ub }>) if (chunk.usage) usage = chunk.usage;
    expect(usage!.prompt_tokens_details?.cached_tokens).toBe(prefix);
    expect(usage!.prompt_tokens).toBe(ub.prompt_tokens);
  });
});

describe("anthropic: errors", () => {
  const headersFor = (fault: string | null, extra: Record<string, string> = {}) => {
    const headers: Record<string, string> = { "x-request-id": rid("err"), ...extra };
    if (fault) headers["x-sim-fault"] = fault;
    return { headers };
  };
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "errors" }];
  const ask = (fault: string | null) => client().chat.completions.create({ model: "claude", messages }, headersFor(fault)).withResponse();
  /** Reads a stream to its end; returns the text seen before it failed (it must fail). */
  const streamUntilError = async (fault: string | null, extra: Record<string, string> = {}) => {
    const stream = await client().chat.completions.create({ model: "claude", messages, stream: true }, headersFor(fault, extra));
    let text = "";
    const err = await errorOf(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      })(),
    );
    return { err, text };
  };

  it("429 with Retry-After reaches the client as 429 with Retry-After", async () => {
    const err = await errorOf(ask("429;retry-after=30"));
    expect(err.status).toBe(429);
    expect(err.headers?.get("retry-after")).toBe("30");
    expect(err.message).toContain("rate_limit_error");
  });

  it("529 overloaded is retried, and surfaces as 503 when it persists", async () => {
    const { data } = await ask("529;times=1");
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    const err = await errorOf(ask("529"));
    expect(err.status).toBe(503);
    expect(err.message).toContain("overloaded_error");
  });

  it("an error event mid-stream ends the client's stream with an error, not a clean end", async () => {
    const { err, text } = await streamUntilError(null, { "x-sim-stream-error": "overloaded_error" });
    expect(err.message).toContain("overloaded_error");
    expect(text.length).toBeGreaterThan(0);
  });

  it("a truncated stream is an error", async () => {
    const { err } = await streamUntilError("truncate");
    expect(err.message).toContain("before message_stop");
  });

  it("never shows the provider key, even when the upstream echoes it", async () => {
    const err = await errorOf(client().chat.completions.create({ model: "claude-badkey", messages: [{ role: "user", content: "hi" }] }));
    expect(err.status).toBe(502);
    expect(err.message).toContain("authentication_error");
    expect(err.message).toContain("[redacted]");
    expect(err.message).not.toContain(BAD_KEY);
    expect(JSON.stringify(err.error)).not.toContain("SECRET");
  });

  it("rejects what Anthropic cannot do with a 400 naming the parameter", async () => {
    for (const [body, param] of [
      [{ logprobs: true }, "logprobs"],
      [{ temperature: 1.5 }, "temperature"],
      [{ response_format: { type: "grammar", grammar: "root ::= x" } }, "response_format"],
      [{ response_format: { type: "json_schema", json_schema: { name: "x" } } }, "response_format.json_schema.schema"],
    ] as const) {
      const err = await errorOf(client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "x" }], ...body } as never));
      expect(err.status).toBe(400);
      expect((err.error as { param?: string }).param).toBe(param);
    }
    const completions = await post(stack, "/v1/completions", { model: "claude", prompt: "x" });
    expect(completions.status).toBe(400);
    const embeddings = await post(stack, "/v1/embeddings", { model: "claude", input: "x" });
    expect(embeddings.status).toBe(400);
  });
});

describe("anthropic: n > 1, fanned out into parallel calls", () => {
  const seenBy = (id: string) => stack.sim.stats.seen.filter((s) => s === id).length;

  it("answers n choices with indices 0..n-1, usage and cost the sum of n calls", async () => {
    const id = rid("n3");
    const one = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "name a colour" }] });
    const { data, response } = await client()
      .chat.completions.create({ model: "claude", n: 3, messages: [{ role: "user", content: "name a colour" }] }, { headers: { "x-request-id": id } })
      .withResponse();
    expect(data.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    for (const c of data.choices) {
      expect(c.finish_reason).toBe("stop");
      expect(c.message.content).toBeTruthy();
    }
    expect(seenBy(id)).toBe(3);
    // The sim answers the same prompt with the same length: three times one call's usage.
    expect(data.usage).toMatchObject({ prompt_tokens: 3 * one.usage!.prompt_tokens, completion_tokens: 3 * one.usage!.completion_tokens });
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(costOf(data.usage!), 12);
  });

  it("streams n choices as they arrive, under one id, with the summed usage last", async () => {
    const id = rid("n2s");
    const stream = await client().chat.completions.create(
      { model: "claude", n: 2, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "two short answers" }] },
      { headers: { "x-request-id": id } },
    );
    const text = ["", ""];
    const finish: Array<string | null> = [null, null];
    const ids = new Set<string>();
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      ids.add(chunk.id);
      for (const c of chunk.choices) {
        text[c.index] += c.delta.content ?? "";
        finish[c.index] ??= c.finish_reason;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(ids.size).toBe(1);
    expect(text.every((t) => t.length > 0)).toBe(true);
    expect(finish).toEqual(["stop", "stop"]);
    expect(seenBy(id)).toBe(2);
    const plain = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "two short answers" }] });
    expect(usage).toMatchObject({ prompt_tokens: 2 * plain.usage!.prompt_tokens, completion_tokens: 2 * plain.usage!.completion_tokens });
  });

  it("runs more choices than it calls at once, and refuses more calls than the request may make", async () => {
    const id = rid("n20");
    const many = await client().chat.completions.create({ model: "claude", n: 20, max_tokens: 4, messages: [{ role: "user", content: "a word" }] }, { headers: { "x-request-id": id } });
    expect(many.choices.map((c) => c.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(seenBy(id)).toBe(20);
    // The request's own budget (or the tenant's maxCalls) caps the calls n takes: a 400 naming n.
    const err = await errorOf(client().chat.completions.create({ model: "claude", n: 3, messages: [{ role: "user", content: "x" }], octoroute: { budget: { calls: 2 } } } as never));
    expect(err.status).toBe(400);
    expect((err.error as { param?: string }).param).toBe("n");
    expect(err.message).toContain("at most 2");
  });

  it("fails the request cleanly when the upstream keeps failing, and cancels every stream when the client leaves", async () => {
    const err = await errorOf(client().chat.completions.create({ model: "claude", n: 2, messages: [{ role: "user", content: "x" }] }, { headers: { "x-sim-fault": "500" } }));
    expect(err.status).toBe(502);
    const id = rid("n2abort");
    const stream = await client().chat.completions.create({ model: "claude-slow", n: 2, stream: true, messages: [{ role: "user", content: "a slow answer" }] }, { headers: { "x-request-id": id } });
    let chunks = 0;
    for await (const _ of stream) if (++chunks === 3) break;
    await vi.waitFor(() => expect(stack.sim.stats.cancelled.filter((s) => s === id).length).toBe(2), { timeout: 5000, interval: 20 });
  });
});

describe("response_format on Anthropic models (a forced answer tool)", () => {
  const Plan = z.object({ title: z.string(), steps: z.array(z.object({ n: z.number().int(), text: z.string() })), done: z.boolean() });

  it("answers chat.completions.parse with content that satisfies the schema, finish_reason stop", async () => {
    const completion = await client().chat.completions.parse({ model: "claude", messages: [{ role: "user", content: "Plan a small garden." }], response_format: zodResponseFormat(Plan, "garden plan") });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("stop");
    expect(choice.message.tool_calls ?? []).toEqual([]);
    expect(Plan.parse(choice.message.parsed)).toEqual(choice.message.parsed);
    expect(JSON.parse(choice.message.content!)).toEqual(choice.message.parsed);
  });

  it("streams the answer as content deltas that join into the same JSON", async () => {
    const stream = await client().chat.completions.create({ model: "claude", stream: true, messages: [{ role: "user", content: "Plan a small garden." }], response_format: zodResponseFormat(Plan, "garden_plan") as never });
    let text = "";
    let finish: string | null = null;
    let toolCalls = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      toolCalls += chunk.choices[0]?.delta?.tool_calls?.length ?? 0;
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(toolCalls).toBe(0);
    expect(finish).toBe("stop");
    expect(() => Plan.parse(JSON.parse(text))).not.toThrow();
  });

  it("unwraps a schema whose root is not an object (streamed and not), $defs included", async () => {
    const schema = { type: "array", items: { $ref: "#/$defs/tag" }, minItems: 2, $defs: { tag: { type: "string", enum: ["a", "b", "c"] } } };
    const body = { model: "claude", messages: [{ role: "user" as const, content: "Some tags." }], response_format: { type: "json_schema", json_schema: { name: "tags", schema } } } as never;
    const plain = await client().chat.completions.create(body);
    const tags = JSON.parse(plain.choices[0]!.message.content!) as unknown;
    expect(Array.isArray(tags)).toBe(true);
    expect((tags as string[]).length).toBeGreaterThanOrEqual(2);
    expect((tags as string[]).every((t) => ["a", "b", "c"].includes(t))).toBe(true);
    const stream = await client().chat.completions.create({ ...(body as object), stream: true } as never);
    let text = "";
    for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta?: { content?: string } }> }>) text += chunk.choices[0]?.delta?.content ?? "";
    expect(Array.isArray(JSON.parse(text))).toBe(true);
  });

  it("answers json_object with a JSON object", async () => {
    const res = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "Describe a cat as JSON." }], response_format: { type: "json_object" } });
    const value = JSON.parse(res.choices[0]!.message.content!) as unknown;
    expect(typeof value === "object" && value !== null && !Array.isArray(value)).toBe(true);
  });

  it("serves the AI SDK's generateObject and streamObject, over chat and the Responses API", async () => {
    const openai = createOpenAI({ apiKey: KEY_A, baseURL: stack.baseURL });
    for (const model of [openai.chat("claude"), openai.responses("claude")]) {
      const { object } = await generateObject({ model, schema: Plan, prompt: "Plan a small garden." });
      expect(Plan.parse(object)).toEqual(object);
      const stream = streamObject({ model, schema: Plan, prompt: "Plan a small garden." });
      for await (const _ of stream.partialObjectStream) void _;
      expect(Plan.parse(await stream.object)).toBeTruthy();
    }
  });

  it("does not force the answer tool when extended thinking is on (Anthropic refuses that), but asks for it", () => {
    const req = { model: "claude", messages: [{ role: "user" as const, content: "x" }], response_format: { type: "json_object" }, thinking: { type: "enabled", budget_tokens: 1024 } };
    const body = toMessagesRequest("claude-x", req as never, false);
    expect(body.tool_choice).toEqual({ type: "auto" });
    expect(body.tools!.map((t) => t.name)).toEqual(["json_answer"]);
    expect(JSON.stringify(body.system)).toContain("json_answer");
    const plain = toMessagesRequest("claude-x", { ...req, thinking: undefined } as never, false);
    expect(plain.tool_choice).toEqual({ type: "tool", name: "json_answer" });
  });

  it("with the client's own tools, a call to one of them stays a tool call", async () => {
    const tools: ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const res = await client().chat.completions.create({ model: "claude", messages: [{ role: "user", content: "Weather in Oslo, as JSON." }], tools, tool_choice: { type: "function", function: { name: "get_weather" } }, response_format: zodResponseFormat(Plan, "plan") });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls!.map((t) => (t.type === "function" ? t.function.name : t.type))).toEqual(["get_weather"]);
  });
});
