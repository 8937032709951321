/**
 * Token-level decoding end to end through the gateway with the official `openai` SDK: `scmoe`,
 * `contrast` and `guidance` over the sim's token LM, streamed and not; usage and cost counting
 * every call of both sources at each node's price; both continuation routes (completions + chat
 * template, assistant prefix) giving the same answer; the guidance window handing over to plain
 * decoding; capability and parameter errors; and a client abort stopping the loop.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { startDecodingStack } from "./helpers/decoding-stack.js";
import { KEY_B, type Stack } from "./helpers/stack.js";

const QUESTION = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?";
const summaries: RequestSummary[] = [];
let stack: Stack;

beforeAll(async () => {
  stack = await startDecodingStack({ hooks: { onRequestEnd: (s) => void summaries.push(s) } });
});
afterAll(() => stack?.close());

type Extra = Record<string, unknown>;
const ask = (model: string, octoroute: Extra, extra: Extra = {}) =>
  stack
    .client()
    .chat.completions.create({ model, messages: [{ role: "user", content: QUESTION }], max_tokens: 40, temperature: 0, ...extra, octoroute } as never)
    .withResponse();

async function streamText(model: string, octoroute: Extra, extra: Extra = {}) {
  const stream = await stack.client().chat.completions.create({
    model,
    messages: [{ role: "user", content: QUESTION }],
    max_tokens: 40,
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
    ...extra,
    octoroute,
  } as never);
  let text = "";
  let contentChunks = 0;
  let finish: string | null = null;
  let usage: { total_tokens: number } | undefined;
  for await (const chunk of stream as unknown as AsyncIterable<{ choices: Array<{ delta: { content?: string }; finish_reason: string | null }>; usage?: { total_tokens: number } }>) {
    const c = chunk.choices[0];
    if (c?.delta.content) {
      text += c.delta.content;
      contentChunks++;
    }
    if (c?.finish_reason) finish = c.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  return { text, contentChunks, finish, usage };
}

function lastSummary(): RequestSummary {
  return summaries.at(-1)!;
}

describe("token-level strategies through the gateway", () => {
  it("scmoe answers, bills every call of both sources at its node's price, and streams the same text", async () => {
    stack.sim.resetStats();
    const { data, response } = await ask("sim-moe", { strategy: "scmoe" });
    const text = data.choices[0]!.message.content!;
    expect(text.length).toBeGreaterThan(10);
    expect(response.headers.get("x-octoroute-strategy")).toBe("scmoe");
    // Usage is everything the upstream processed for this request, across both sources.
    expect(data.usage!.total_tokens).toBe(stack.sim.stats.promptTokens + stack.sim.stats.completionTokens);
    const records = lastSummary().records;
    const models = new Set(records.map((r) => r.model));
    expect(models).toEqual(new Set(["sim-moe", "sim-moe-weak"]));
    expect(records.length).toBe(stack.sim.stats.requests);
    // Each call priced at its own node's price (strong 0.5/1.5, weak 0.2/0.6 per 1M tokens).
    const price = { "sim-moe": [0.5, 1.5], "sim-moe-weak": [0.2, 0.6] } as Record<string, [number, number]>;
    const expected = records.reduce((s, r) => s + (r.inputTokens * price[r.model]![0] + r.outputTokens * price[r.model]![1]) / 1e6, 0);
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(expected, 9);
    expect(records.filter((r) => r.model === "sim-moe-weak").every((r) => r.purpose === "guide")).toBe(true);
    // The response reports what the loop did.
    const decoding = (data as unknown as { octoroute: { decoding: Record<string, number> } }).octoroute.decoding;
    expect(decoding.strong_calls).toBe(records.filter((r) => r.model === "sim-moe").length);
    expect(decoding.weak_calls).toBe(records.filter((r) => r.model === "sim-moe-weak").length);
    expect(decoding.tokens).toBeGreaterThan(decoding.strong_calls);
    expect(decoding.agreement).toBeGreaterThan(0);

    const streamed = await streamText("sim-moe", { strategy: "scmoe" });
    expect(streamed.text).toBe(text);
    expect(streamed.contentChunks).toBeGreaterThan(3);
    expect(streamed.finish).toBe(data.choices[0]!.finish_reason);
    expect(streamed.usage!.total_tokens).toBe(data.usage!.total_tokens);
  });

  it("takes fewer round trips than the naive loop for the same answer", async () => {
    stack.sim.resetStats();
    const chunked = await ask("sim-moe", { strategy: "scmoe", loop: "chunked" }, { max_tokens: 60 });
    const chunkedCalls = stack.sim.stats.requests;
    stack.sim.resetStats();
    const naive = await ask("sim-moe", { strategy: "scmoe", loop: "naive" }, { max_tokens: 60 });
    const naiveCalls = stack.sim.stats.requests;
    expect(chunked.data.choices[0]!.message.content).toBe(naive.data.choices[0]!.message.content);
    const decided = lastSummary().records.length / 2;
    expect(naiveCalls).toBe(2 * decided);
    expect(chunkedCalls).toBeLessThan(naiveCalls / 3);
  });

  it("contrast with a separate weak model, and assistant-prefix continuation gives the same answer as the chat template route", async () => {
    stack.sim.resetStats();
    const viaTemplate = await ask("sim-moe", { strategy: "contrast", weak: "sim-lm-tiny" });
    expect(stack.sim.stats.byModel["sim-lm-tiny"]).toBeGreaterThan(0);
    const viaPrefix = await ask("sim-moe-chat", { strategy: "contrast", weak: "sim-lm-tiny" });
    expect(viaPrefix.data.choices[0]!.message.content).toBe(viaTemplate.data.choices[0]!.message.content);
    // Both sources on assistant-prefix continuation (no echo: the weak source scores per position).
    const scmoeTemplate = await ask("sim-moe", { strategy: "scmoe" });
    const scmoePrefix = await ask("sim-moe-chat", { strategy: "scmoe" });
    expect(scmoePrefix.data.choices[0]!.message.content).toBe(scmoeTemplate.data.choices[0]!.message.content);
  });

  it("continues a client's assistant prefill and honours stop sequences", async () => {
    const full = (await ask("sim-moe", { strategy: "scmoe" }, { max_tokens: 60 })).data.choices[0]!.message.content!;
    const cut = full.indexOf(" ", 12);
    const prefill = full.slice(0, cut);
    const res = await stack.client().chat.completions.create({
      model: "sim-moe",
      messages: [
        { role: "user", content: QUESTION },
        { role: "assistant", content: prefill },
      ],
      max_tokens: 60,
      temperature: 0,
      octoroute: { strategy: "scmoe" },
    } as never);
    // Same decoding, started further along: the first 60 tokens of the answer agree.
    expect((prefill + res.choices[0]!.message.content).slice(0, full.length)).toBe(full);
    const stopAt = full.slice(20, 24);
    const stopped = await ask("sim-moe", { strategy: "scmoe" }, { max_tokens: 60, stop: [stopAt] });
    expect(stopped.data.choices[0]!.message.content).toBe(full.slice(0, full.indexOf(stopAt)));
    expect(stopped.data.choices[0]!.finish_reason).toBe("stop");
  });

  it("guidance contrasts for the window, then one plain strong call finishes the answer", async () => {
    const window = 6;
    stack.sim.resetStats();
    const guided = (await ask("sim-moe", { strategy: "guidance", weak: "sim-lm-tiny", window, chunk: 4 }, { max_tokens: 30 })).data.choices[0]!.message.content!;
    const records = lastSummary().records;
    // Weak calls only inside the window; after it, exactly one strong call (the plain tail).
    const weakCalls = records.filter((r) => r.model === "sim-lm-tiny").length;
    expect(weakCalls).toBeGreaterThan(0);
    expect(weakCalls).toBeLessThanOrEqual(window);
    expect(records.at(-1)!.model).toBe("sim-moe");
    expect(records.at(-1)!.streamed).toBe(true);
    // The window's tokens are contrast with β = ω − 1 …
    const head = (await ask("sim-moe", { strategy: "contrast", weak: "sim-lm-tiny", beta: 0.5 }, { max_tokens: window })).data.choices[0]!.message.content!;
    expect(guided.startsWith(head)).toBe(true);
    // … and the rest is the strong model's own greedy continuation of that prefix.
    const tail = await stack.client().completions.create({ model: "sim-moe", prompt: `Question: ${QUESTION}\nAnswer:\n${head}`, max_tokens: 30 - window, temperature: 0 });
    expect(guided).toBe(head + tail.choices[0]!.text);
    // Plain contrast over the same 30 tokens costs many more weak calls.
    stack.sim.resetStats();
    await ask("sim-moe", { strategy: "contrast", weak: "sim-lm-tiny", chunk: 4 }, { max_tokens: 30 });
    expect(lastSummary().records.filter((r) => r.model === "sim-lm-tiny").length).toBeGreaterThan(weakCalls);
  });

  it("samples reproducibly with a seed (chunked equals naive)", async () => {
    const a = await ask("sim-moe", { strategy: "scmoe" }, { temperature: 0.8, seed: 7 });
    const b = await ask("sim-moe", { strategy: "scmoe", loop: "naive" }, { temperature: 0.8, seed: 7 });
    expect(a.data.choices[0]!.message.content).toBe(b.data.choices[0]!.message.content);
  });
});

describe("token-level errors", () => {
  async function status(model: string, octoroute: Extra, extra: Extra = {}) {
    try {
      await ask(model, octoroute, extra);
      return null;
    } catch (err) {
      const e = err as { status: number; param: string; message: string; code: string };
      return { status: e.status, param: e.param, message: e.message, code: e.code };
    }
  }

  it("names what is missing: top logprobs, continuation, the weak source", async () => {
    const before = stack.sim.stats.requests;
    expect(await status("sim-moe-nolp", { strategy: "scmoe", weak: "sim-moe-weak" })).toMatchObject({ status: 400, param: "model", code: "capability_missing", message: expect.stringContaining("top logprobs") });
    expect(await status("sim-moe", { strategy: "scmoe", weak: "sim-moe-nolp" })).toMatchObject({ status: 400, param: "octoroute.weak", message: expect.stringContaining("top logprobs") });
    expect(await status("sim-moe-notemplate", { strategy: "contrast", weak: "sim-lm-tiny" })).toMatchObject({ status: 400, param: "model", code: "capability_missing", message: expect.stringContaining("chatTemplate") });
    expect(await status("sim-small", { strategy: "contrast", weak: "sim-lm-tiny" })).toMatchObject({ status: 400, param: "model" });
    expect(await status("sim-lm-tiny", { strategy: "scmoe" })).toMatchObject({ status: 400, param: "octoroute.weak" });
    expect(await status("sim-moe", { strategy: "scmoe", weak: "nope" })).toMatchObject({ status: 400, param: "octoroute.weak" });
    expect(await status("sim-moe-badtemplate", { strategy: "contrast", weak: "sim-lm-tiny" })).toMatchObject({ status: 500, code: "chat_template_error", message: expect.stringContaining("sim-moe-badtemplate") });
    expect(stack.sim.stats.requests).toBe(before);
  });

  it("checks a weak source named in the request against the tenant's models", async () => {
    // team-b may use sim-small only (and the `fast` route).
    const res = await stack
      .client(KEY_B)
      .chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: QUESTION }], octoroute: { strategy: "contrast", weak: "sim-lm-tiny" } } as never)
      .catch((e: { status: number; param: string; code: string }) => e);
    expect(res).toMatchObject({ status: 403, param: "octoroute.weak", code: "model_not_allowed" });
  });

  it("rejects bad parameters with a 400 naming them", async () => {
    expect(await status("sim-moe", { strategy: "scmoe", beta: "high" })).toMatchObject({ status: 400, param: "octoroute.beta" });
    expect(await status("sim-moe", { strategy: "scmoe", alpha: 0 })).toMatchObject({ status: 400, param: "octoroute.alpha" });
    expect(await status("sim-moe", { strategy: "scmoe", omega: 2 })).toMatchObject({ status: 400, param: "octoroute.omega" });
    expect(await status("sim-moe", { strategy: "guidance", window: -1 })).toMatchObject({ status: 400, param: "octoroute.window" });
    expect(await status("sim-moe", { strategy: "scmoe" }, { n: 2 })).toMatchObject({ status: 400, param: "n" });
  });
});

describe("client abort", () => {
  let slow: Stack;
  const ended: RequestSummary[] = [];
  beforeAll(async () => {
    // 15 ms per upstream call, so a long answer takes many visible round trips.
    slow = await startDecodingStack({ timing: { ttftMs: 15 }, hooks: { onRequestEnd: (s) => void ended.push(s) } });
  });
  afterAll(() => slow?.close());

  const settle = async () => {
    // Wait until the sim has seen no new request for a while.
    let last = -1;
    while (slow.sim.stats.requests !== last) {
      last = slow.sim.stats.requests;
      await new Promise((r) => setTimeout(r, 200));
    }
    return last;
  };

  it("stops the decoding loop when a streaming client goes away", async () => {
    slow.sim.resetStats();
    const controller = new AbortController();
    const stream = await slow.client().chat.completions.create(
      { model: "sim-moe", messages: [{ role: "user", content: QUESTION }], max_tokens: 2000, temperature: 0, stream: true, octoroute: { strategy: "scmoe", chunk: 2, loop: "naive" } } as never,
      { signal: controller.signal },
    );
    let seen = 0;
    try {
      for await (const _chunk of stream as unknown as AsyncIterable<unknown>) {
        if (++seen === 5) {
          controller.abort();
          break;
        }
      }
    } catch {
      // The SDK may surface the abort as an error; either way the client is gone.
    }
    expect(seen).toBe(5);
    const calls = await settle();
    // 2000 tokens would take 4000 naive calls; the loop stopped right after the abort.
    expect(calls).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.sim.stats.requests).toBe(calls);
    expect(ended.at(-1)!.status).toBe(499);
  });

  it("stops the decoding loop when a non-streaming client goes away", async () => {
    slow.sim.resetStats();
    const controller = new AbortController();
    const pending = slow.client().chat.completions.create(
      { model: "sim-moe", messages: [{ role: "user", content: QUESTION }], max_tokens: 2000, temperature: 0, octoroute: { strategy: "scmoe", loop: "naive" } } as never,
      { signal: controller.signal },
    );
    while (slow.sim.stats.requests < 6) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toThrow();
    const calls = await settle();
    expect(calls).toBeLessThan(100);
    await new Promise((r) => setTimeout(r, 300));
    expect(slow.sim.stats.requests).toBe(calls);
  });
});
