/**
 * The Vercel AI SDK's default OpenAI provider (`openai('model')` calls the Responses API) against
 * the gateway in front of the sim: generateText, streamText, and a tool loop — whose second step
 * refers to the first step's function call by `item_reference` (the SDK's default with `store`).
 */
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, jsonSchema, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { KEY_A, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
const summaries: RequestSummary[] = [];
beforeAll(async () => {
  stack = await startStack({ hooks: { onRequestEnd: (s) => summaries.push(s) } });
});
afterAll(() => stack?.close());
beforeEach(() => {
  summaries.length = 0;
  sent.length = 0;
  stack.sim.resetStats();
});

/** Bodies the SDK sent, to check what it really asked. */
const sent: Array<Record<string, unknown>> = [];
const provider = () =>
  createOpenAI({
    baseURL: stack.baseURL,
    apiKey: KEY_A,
    fetch: (url, init) => {
      if (typeof init?.body === "string") sent.push(JSON.parse(init.body));
      return fetch(url, init);
    },
  });

describe("Vercel AI SDK, default OpenAI provider (Responses API)", () => {
  it("generateText gets the text and the upstream's usage", async () => {
    const result = await generateText({ model: provider()("sim-small"), system: "Be brief.", prompt: "Say something." });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe("stop");
    expect(result.usage.inputTokens).toBe(stack.sim.stats.promptTokens);
    expect(result.usage.outputTokens).toBe(stack.sim.stats.completionTokens);
    expect(result.response.id).toMatch(/^resp_/);
    expect(summaries.map((s) => s.endpoint)).toEqual(["responses"]);
  });

  it("streamText streams deltas and finishes with usage", async () => {
    const result = streamText({ model: provider()("sim-small"), prompt: "Stream something." });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(2);
    const text = await result.text;
    expect(pieces.join("")).toBe(text);
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(stack.sim.stats.promptTokens);
    expect(usage.outputTokens).toBe(stack.sim.stats.completionTokens);
    expect(await result.finishReason).toBe("stop");
    // Same answer as the non-streaming call (deterministic sim).
    const plain = await generateText({ model: provider()("sim-small"), prompt: "Stream something." });
    expect(plain.text).toBe(text);
  });

  it("runs a tool loop: call, execute, answer (the second step references the call by item_reference)", async () => {
    const calls: Array<{ city: string; days: number }> = [];
    const weather = tool({
      description: "Weather for a city",
      inputSchema: jsonSchema<{ city: string; days: number }>({
        type: "object",
        properties: { city: { type: "string" }, days: { type: "integer" } },
        required: ["city", "days"],
        additionalProperties: false,
      }),
      execute: async (input) => {
        calls.push(input);
        return { forecast: "sunny", city: input.city };
      },
    });
    const result = await generateText({ model: provider()("sim-small"), prompt: "Weather in Paris?", tools: { weather }, stopWhen: stepCountIs(3) });
    expect(calls).toHaveLength(1);
    expect(typeof calls[0]!.city).toBe("string");
    expect(Number.isInteger(calls[0]!.days)).toBe(true);
    expect(result.steps).toHaveLength(2);
    expect(result.steps[0]!.toolCalls[0]!.toolName).toBe("weather");
    expect(result.steps[0]!.finishReason).toBe("tool-calls");
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.finishReason).toBe("stop");
    expect(summaries.map((s) => [s.endpoint, s.status])).toEqual([
      ["responses", 200],
      ["responses", 200],
    ]);
    const second = sent[1]!.input as Array<{ type?: string }>;
    expect(second.map((i) => i.type)).toEqual(expect.arrayContaining(["item_reference", "function_call_output"]));
    // Usage over both steps is what the upstream served.
    expect(result.totalUsage.inputTokens).toBe(stack.sim.stats.promptTokens);
    expect(result.totalUsage.outputTokens).toBe(stack.sim.stats.completionTokens);
  });

  it("streams a tool call", async () => {
    const weather = tool({
      inputSchema: jsonSchema<{ city: string }>({ type: "object", properties: { city: { type: "string" } }, required: ["city"] }),
      execute: async ({ city }) => `sunny in ${city}`,
    });
    const result = streamText({ model: provider()("sim-small"), prompt: "Weather?", tools: { weather }, stopWhen: stepCountIs(2) });
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).toContain("tool-input-delta");
    expect(parts).toContain("tool-call");
    expect(parts).toContain("tool-result");
    expect(parts).toContain("text-delta");
    expect((await result.steps).length).toBe(2);
  });
});
