/**
 * Exactness of chunked contrastive decoding on 200 sim prompts: through the gateway, the chunked
 * loop's greedy answer equals the naive one-position-per-round-trip loop's, and both equal a direct
 * computation from the sim LM's full distributions restricted to their top-20 support. Prompts are
 * GSM8K questions with the first words of the reference answer as an assistant prefill, so the
 * decoding starts from 200 different contexts.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { corpusPath } from "../src/sim/token-lm/corpus.js";
import { EOS_TOKEN, tokenLm } from "../src/sim/token-lm/model.js";
import { renderChat } from "../src/sim/token-lm/template.js";
import { decideToken } from "../src/strategies/token-level/formulas.js";
import { startDecodingStack } from "./helpers/decoding-stack.js";
import type { Stack } from "./helpers/stack.js";

const PROMPTS = 200;
const MAX_TOKENS = 16;

interface Case {
  question: string;
  prefill: string;
}

function cases(): Case[] {
  const lines = readFileSync(corpusPath(), "utf8").split("\n").filter(Boolean);
  return Array.from({ length: PROMPTS }, (_, i) => {
    const { question, answer } = JSON.parse(lines[(i * 37) % lines.length]!) as { question: string; answer: string };
    const words = answer.replace(/<<[^<>]*>>/g, "").split(" ");
    return { question, prefill: words.slice(0, i % 9).join(" ") };
  });
}

/** Greedy contrastive decoding computed straight from the LM's distributions (top-20 support). */
function direct(c: Case, weakRanks: number[], strongWeight = 1.5): string {
  const lm = tokenLm();
  const messages = [{ role: "user", content: c.question }, ...(c.prefill ? [{ role: "assistant", content: c.prefill }] : [])];
  const prompt = renderChat(messages, true);
  let text = "";
  const top = (ranks: number[]) => {
    const dist = lm.distribution(prompt + text, "moe", ranks);
    return new Map(lm.top(dist, 20).map((id) => [lm.tokenOf(id), dist.logp[id]!]));
  };
  for (let i = 0; i < MAX_TOKENS; i++) {
    const token = decideToken(top([1, 2]), top(weakRanks), { strongWeight, alpha: 0.1 });
    if (token === EOS_TOKEN) break;
    text += token;
  }
  return text;
}

async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startDecodingStack();
});
afterAll(() => stack?.close());

describe("chunked contrastive decoding is exact", () => {
  it(`equals the naive loop and the direct computation on ${PROMPTS} prompts`, async () => {
    const all = cases();
    const ask = (c: Case, loop: string) =>
      stack
        .client()
        .chat.completions.create({
          model: "sim-moe",
          messages: [{ role: "user", content: c.question }, ...(c.prefill ? [{ role: "assistant" as const, content: c.prefill }] : [])],
          max_tokens: MAX_TOKENS,
          temperature: 0,
          // @ts-expect-error gateway extension field
          octoroute: { strategy: "scmoe", loop },
        })
        .then((r) => r.choices[0]!.message.content ?? "");
    stack.sim.resetStats();
    const chunked = await pool(all, 6, (c) => ask(c, "chunked"));
    const chunkedCalls = stack.sim.stats.requests;
    stack.sim.resetStats();
    const naive = await pool(all, 6, (c) => ask(c, "naive"));
    const naiveCalls = stack.sim.stats.requests;
    const expected = all.map((c) => direct(c, [2]));
    let mismatches = 0;
    for (let i = 0; i < all.length; i++) if (chunked[i] !== expected[i] || naive[i] !== expected[i]) mismatches++;
    expect(mismatches).toBe(0);
    expect(chunked).toEqual(expected);
    expect(naive).toEqual(expected);
    // The answers really differ between prompts, and contrast really differs from plain greedy.
    expect(new Set(expected).size).toBeGreaterThan(PROMPTS / 2);
    const greedy = all.map((c) => direct(c, [2], 1));
    expect(greedy.filter((g, i) => g !== expected[i]).length).toBeGreaterThan(PROMPTS / 10);
    expect(chunkedCalls).toBeLessThan(naiveCalls / 3);
  }, 120_000);
});
