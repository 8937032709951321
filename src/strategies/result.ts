/**
 * The one chat completion a multi-call strategy returns: the chosen answer in OpenAI's shape.
 * Usage is left at zero here; the pipeline replaces it with the account's exact sum.
 */
import type { ChatCompletion } from "../api/types.js";
import type { Sample } from "./sampling.js";
import type { StrategyContext } from "./types.js";

export function answerCompletion(ctx: StrategyContext, answer: Sample | string): ChatCompletion {
  const s: Sample = typeof answer === "string" ? { text: answer, message: { role: "assistant", content: answer, refusal: null }, finishReason: "stop" } : answer;
  return {
    id: `chatcmpl-${crypto.randomUUID().replace(/-/g, "").slice(0, 24)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: ctx.client.node.name,
    choices: [{ index: 0, message: { ...s.message, role: "assistant", content: s.text }, logprobs: s.logprobs ?? null, finish_reason: s.finishReason as "stop" }],
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
  };
}

/** The answer when a strategy was stopped before it had any candidate. */
export function emptyAnswer(ctx: StrategyContext): ChatCompletion {
  const c = answerCompletion(ctx, "");
  c.choices[0]!.finish_reason = "length";
  return c;
}
