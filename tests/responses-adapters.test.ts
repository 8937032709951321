/**
 * `/v1/responses` in front of every wire protocol: the same contract (text, streamed text, a
 * function tool round trip, usage equal to what the upstream served) against an OpenAI-compatible,
 * an Anthropic Messages and a Gemini upstream, reached through the existing adapters.
 */
import type { ResponseInputItem } from "openai/resources/responses/responses";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    patch: (cfg) => {
      const providers = cfg.providers as Record<string, { baseUrl?: string } & Record<string, unknown>>;
      const simUrl = providers.sim!.baseUrl!;
      const transport = { timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 1500 }, retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 500 } };
      providers.anthropic = { type: "anthropic", baseUrl: simUrl, apiKey: "sk-ant-test-key", ...transport };
      providers.gemini = { type: "gemini", baseUrl: simUrl.replace(/\/v1$/, "/v1beta"), apiKey: "gemini-test-key", ...transport };
      const models = cfg.models as Record<string, unknown>;
      const price = { input: 1, output: 2 };
      models.claude = { provider: "anthropic", upstreamModel: "sim-fast", price, capabilities: { logprobs: false, maxTopLogprobs: 0, n: false } };
      models.gemini = { provider: "gemini", upstreamModel: "sim-fast", price, capabilities: { logprobs: false, maxTopLogprobs: 0 } };
    },
  });
});
afterAll(() => stack?.close());
beforeEach(() => stack.sim.resetStats());

const tool = {
  type: "function" as const,
  name: "get_weather",
  parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  strict: false,
};

describe.each(["sim-fast", "claude", "gemini"])("/v1/responses on %s", (model) => {
  it("answers text with the upstream's usage", async () => {
    const r = await stack.client().responses.create({ model, input: "Say hello.", instructions: "Be brief." });
    expect(r.status).toBe("completed");
    expect(r.output_text.length).toBeGreaterThan(0);
    expect(r.usage!.input_tokens).toBe(stack.sim.stats.promptTokens);
    expect(r.usage!.output_tokens).toBe(stack.sim.stats.completionTokens);
  });

  it("streams text that matches the non-streamed answer", async () => {
    const stream = await stack.client().responses.create({ model, input: "Stream hello.", stream: true });
    let text = "";
    let usage: { input_tokens: number; output_tokens: number } | undefined;
    for await (const ev of stream) {
      if (ev.type === "response.output_text.delta") text += ev.delta;
      if (ev.type === "response.completed") usage = ev.response.usage!;
    }
    expect(usage!.output_tokens).toBe(stack.sim.stats.completionTokens);
    const plain = await stack.client().responses.create({ model, input: "Stream hello." });
    expect(plain.output_text).toBe(text);
  });

  it("round-trips a function tool", async () => {
    const input: ResponseInputItem[] = [{ role: "user", content: "Weather in Oslo?" }];
    const first = await stack.client().responses.create({ model, input, tools: [tool] });
    const call = first.output.find((o) => o.type === "function_call");
    if (!call || call.type !== "function_call") throw new Error("expected a function_call");
    expect(call.name).toBe("get_weather");
    expect(typeof JSON.parse(call.arguments).city).toBe("string");
    const second = await stack.client().responses.create({
      model,
      previous_response_id: first.id,
      input: [{ type: "function_call_output", call_id: call.call_id, output: "rainy" }],
      tools: [tool],
    });
    expect(second.output[0]!.type).toBe("message");
    expect(second.output_text.length).toBeGreaterThan(0);
  });
});
