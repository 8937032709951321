/**
 * The Vercel AI SDK's OpenAI provider against the gateway, on its chat-completions, completions
 * and embeddings models (`openai.chat(...)`, `.completion(...)`, `.textEmbeddingModel(...)`; the
 * Responses model is in `responses-ai-sdk.test.ts`): text, streams with usage, a tool loop, a
 * JSON object, logprobs, routes, embeddings with dimensions, and an aborted stream.
 */
import { createOpenAI } from "@ai-sdk/openai";
import { embed, embedMany, generateObject, generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { KEY_A, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
beforeAll(async () => void (stack = await startStack()));
afterAll(() => stack?.close());

const provider = () => createOpenAI({ baseURL: stack.baseURL, apiKey: KEY_A });
const weather = tool({
  description: "Current weather in a city",
  inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
  execute: async ({ city }) => ({ city, celsius: 20 }),
});

describe("Vercel AI SDK, chat completions model", () => {
  it("generateText and streamText give the same answer and the upstream's usage", async () => {
    const whole = await generateText({ model: provider().chat("sim-small"), prompt: "Say something." });
    expect(whole.text.length).toBeGreaterThan(0);
    expect(whole.finishReason).toBe("stop");
    expect(whole.response.modelId).toBe("sim-small");
    expect(whole.usage.inputTokens).toBeGreaterThan(0);
    expect(whole.usage.totalTokens).toBe(whole.usage.inputTokens! + whole.usage.outputTokens!);

    const streamed = streamText({ model: provider().chat("sim-small"), prompt: "Say something." });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    // The sim answers a prompt the same way every time: the stream must carry all of it.
    expect(text).toBe(whole.text);
    expect(await streamed.usage).toEqual(whole.usage);
    expect(await streamed.finishReason).toBe("stop");
  });

  it("runs a tool loop, plain and streamed: call, execute, answer", async () => {
    const r = await generateText({ model: provider().chat("sim-small"), prompt: "What is the weather in Paris?", tools: { weather }, stopWhen: stepCountIs(3) });
    expect(r.steps.map((s) => s.finishReason)).toEqual(["tool-calls", "stop"]);
    expect(r.steps[0]!.toolCalls[0]).toMatchObject({ toolName: "weather" });
    expect(r.steps[0]!.toolResults[0]).toMatchObject({ toolName: "weather", output: { celsius: 20 } });
    expect(r.text.length).toBeGreaterThan(0);

    const s = streamText({ model: provider().chat("sim-small"), prompt: "What is the weather in Paris?", tools: { weather }, stopWhen: stepCountIs(3) });
    const kinds = new Set<string>();
    for await (const part of s.fullStream) kinds.add(part.type);
    expect(kinds).toContain("tool-call");
    expect(kinds).toContain("tool-result");
    expect(kinds).toContain("text-delta");
    const steps = await s.steps;
    expect(steps).toHaveLength(2);
    const total = await s.totalUsage;
    expect(total.totalTokens).toBe(steps.reduce((n, st) => n + st.usage.totalTokens!, 0));
  });

  it("generateObject gets an object that matches the schema (JSON mode / json_schema)", async () => {
    const { object } = await generateObject({ model: provider().chat("sim-small"), schema: z.object({ name: z.string(), age: z.number() }), prompt: "Describe a person." });
    expect(typeof object.name).toBe("string");
    expect(typeof object.age).toBe("number");
  });

  it("passes logprobs through as provider metadata", async () => {
    const r = await generateText({ model: provider().chat("sim-small"), prompt: "Say something.", providerOptions: { openai: { logprobs: 2 } } });
    const logprobs = (r.providerMetadata?.openai as { logprobs?: Array<{ token: string; logprob: number; top_logprobs: unknown[] }> }).logprobs!;
    expect(logprobs.length).toBe(r.usage.outputTokens);
    expect(logprobs[0]!.top_logprobs).toHaveLength(2);
    expect(logprobs.map((l) => l.token).join("")).toBe(r.text);
  });

  it("answers a route by the node it chose", async () => {
    const r = await generateText({ model: provider().chat("fast"), prompt: "Say something." });
    expect(r.response.modelId).toBe("sim-fast");
    expect(r.response.headers?.["x-octoroute-route"]).toBe("fast");
  });

  it("stops a stream the caller aborts, and the gateway goes on serving", async () => {
    const ac = new AbortController();
    const s = streamText({ model: provider().chat("sim-small"), prompt: "Tell a long story.", maxOutputTokens: 400, abortSignal: ac.signal });
    let deltas = 0;
    const ended = (async () => {
      for await (const _ of s.textStream) if (++deltas === 2) ac.abort();
    })();
    await ended.catch(() => {});
    expect(deltas).toBe(2);
    const after = await generateText({ model: provider().chat("sim-small"), prompt: "Say something." });
    expect(after.finishReason).toBe("stop");
  });
});

describe("Vercel AI SDK, completions and embeddings models", () => {
  it("completion model: generateText and streamText agree, with usage", async () => {
    const whole = await generateText({ model: provider().completion("sim-small"), prompt: "Once upon a time" });
    expect(whole.text.length).toBeGreaterThan(0);
    expect(whole.usage.inputTokens).toBeGreaterThan(0);
    const streamed = streamText({ model: provider().completion("sim-small"), prompt: "Once upon a time" });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe(whole.text);
    expect(await streamed.usage).toEqual(whole.usage);
  });

  it("embed, embedMany and dimensions", async () => {
    const one = await embed({ model: provider().textEmbeddingModel("sim-embed"), value: "hello" });
    expect(one.embedding.length).toBeGreaterThan(8);
    expect(one.usage.tokens).toBeGreaterThan(0);
    const many = await embedMany({ model: provider().textEmbeddingModel("sim-embed"), values: ["a", "b", "hello"] });
    expect(many.embeddings).toHaveLength(3);
    // The same text embeds the same, wherever it sits in the batch.
    expect(many.embeddings[2]).toEqual(one.embedding);
    const small = await embed({ model: provider().textEmbeddingModel("sim-embed"), value: "hello", providerOptions: { openai: { dimensions: 8 } } });
    expect(small.embedding).toHaveLength(8);
  });
});
