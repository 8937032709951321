/**
 * An upstream that reports no usage (some OpenAI-compatible servers omit `usage`, or ignore
 * `stream_options.include_usage`; the sim plays one with `x-sim-usage: omit`). The call must not
 * be billed as 0 tokens: it is estimated from the request and the answer, priced, written to the
 * ledger, marked on the metrics — and a call whose upstream did report usage keeps the exact count.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
const OMIT = { headers: { "x-sim-usage": "omit" } };
const SMALL = { input: 0.15, output: 0.6 };

beforeAll(async () => {
  stack = await startStack({
    patch: (cfg) => {
      const sim = (cfg.providers as Record<string, { forwardHeaders: string[] }>).sim!;
      sim.forwardHeaders = [...sim.forwardHeaders, "x-sim-usage"];
    },
  });
});
afterAll(() => stack?.close());

async function estimatedCalls(model: string): Promise<number> {
  const text = await (await fetch(`${stack.gateway.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).text();
  let n = 0;
  for (const line of text.split("\n")) if (line.startsWith("octoroute_calls_usage_estimated") && line.includes(`gen_ai_request_model="${model}"`)) n += Number(line.split(" ").pop());
  return n;
}

describe("usage the upstream did not report", () => {
  it("estimates a chat call from its messages and answer, prices it and stores it, and says so", async () => {
    const before = await estimatedCalls("sim-small");
    const messages = [{ role: "user" as const, content: "Tell me about the moon in a few words, please, with some detail." }];
    const { data, response } = await stack.client().chat.completions.create({ model: "sim-small", messages }, OMIT).withResponse();
    const usage = data.usage!;
    expect(usage.prompt_tokens).toBeGreaterThan(5);
    expect(usage.completion_tokens).toBeGreaterThan(0);
    // About four characters per token of what was said and answered.
    expect(Math.abs(usage.completion_tokens - data.choices[0]!.message.content!.length / 4)).toBeLessThan(3);
    const cost = Number(response.headers.get("x-octoroute-cost-usd"));
    expect(cost).toBeCloseTo((usage.prompt_tokens * SMALL.input + usage.completion_tokens * SMALL.output) / 1e6, 12);
    const rows = await stack.gateway.accounting!.ledger!.rowsOf(response.headers.get("x-request-id")!);
    expect(rows.calls.map((c) => [c.inputTokens, c.outputTokens])).toEqual([[usage.prompt_tokens, usage.completion_tokens]]);
    expect(await estimatedCalls("sim-small")).toBe(before + 1);
  });

  it("keeps the upstream's own count when it reports one", async () => {
    const before = await estimatedCalls("sim-small");
    const served = stack.sim.stats.promptTokens;
    const res = await stack.client().chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "hello" }] });
    expect(res.usage!.prompt_tokens).toBe(stack.sim.stats.promptTokens - served);
    expect(await estimatedCalls("sim-small")).toBe(before);
  });

  it("estimates a stream that ends without a usage chunk: the prompt, and a token per chunk", async () => {
    const stream = await stack.client().chat.completions.create({ model: "sim-small", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "Count to five, slowly and clearly." }] }, OMIT);
    let chunks = 0;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of stream) {
      if (chunk.choices.length) chunks++;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(usage!.prompt_tokens).toBeGreaterThan(5);
    expect(usage!.completion_tokens).toBe(chunks);
  });

  it("estimates embeddings from their input", async () => {
    const res = await stack.client().embeddings.create({ model: "sim-embed", input: ["the quick brown fox jumps over the lazy dog", "a second, somewhat longer input text"] }, OMIT);
    expect(res.usage.prompt_tokens).toBeGreaterThan(10);
    expect(res.usage.total_tokens).toBe(res.usage.prompt_tokens);
  });
});
