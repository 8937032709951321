/**
 * LLM judges: pointwise (P("Yes") read from the top logprobs of a one-token answer, or a parsed
 * 0–10 score when the model gives no logprobs) and pairwise (P("A") for "which solution is
 * correct?"), the robust choice for tournaments. Calls are metered with purpose `judge`.
 */
import type { ChatCompletion } from "../../api/types.js";
import type { VerifierConfig } from "../../config/strategies.js";
import { guarded } from "../context.js";
import type { StrategyContext } from "../types.js";
import type { Verifier } from "./types.js";

type JudgeConfig = Extract<VerifierConfig, { type: "llm-judge" }>;

const SYSTEM = "You are a strict grader. Judge only whether the final answer is correct.";

/** P(first) from the top logprobs of the first token, over the two answer words. */
export function binaryProbability(completion: ChatCompletion, first: string, second: string): number | null {
  const top = completion.choices[0]?.logprobs?.content?.[0]?.top_logprobs;
  if (!top?.length) return null;
  const find = (w: string) => top.filter((t) => t.token.trim().toLowerCase() === w.toLowerCase()).reduce((s, t) => s + Math.exp(t.logprob), 0);
  const a = find(first);
  const b = find(second);
  if (a + b === 0) return null;
  return a / (a + b);
}

/** A score from the text when there are no logprobs: "Yes"/"No", or "Score: 7" out of 10. */
export function parsedProbability(text: string, first: string, second: string): number {
  const t = text.trim();
  const score = /(\d+(?:\.\d+)?)\s*(?:\/\s*10)?/.exec(t);
  if (new RegExp(`^${first}\\b`, "i").test(t)) return 1;
  if (new RegExp(`^${second}\\b`, "i").test(t)) return 0;
  if (score) return Math.min(1, Math.max(0, Number(score[1]) / 10));
  return 0.5;
}

export function llmJudgeVerifier(name: string, config: JudgeConfig, ctx: StrategyContext): Verifier {
  const client = ctx.client.forNode(config.model);
  const logprobs = config.mode === "logprobs" && client.capabilities.logprobs;
  const ask = async (prompt: string, first: string, second: string): Promise<number | null> => {
    const res = await guarded(ctx, (signal) =>
      client.chat(
        {
          model: config.model,
          messages: [
            { role: "system", content: SYSTEM },
            { role: "user", content: prompt },
          ],
          temperature: 0,
          max_tokens: logprobs ? 1 : 16,
          ...(logprobs ? { logprobs: true, top_logprobs: Math.min(5, client.capabilities.maxTopLogprobs || 5) } : {}),
        },
        { signal, purpose: "judge" },
      ),
    );
    if (!res) return null;
    return binaryProbability(res, first, second) ?? parsedProbability(res.choices[0]?.message.content ?? "", first, second);
  };
  const scoreOne = (question: string, solution: string) =>
    ask(
      config.mode === "score"
        ? `Question: ${question}\n\nProposed solution:\n${solution}\n\nIs the proposed solution correct? Rate it from 0 to 10 and answer with the number only.`
        : `Question: ${question}\n\nProposed solution:\n${solution}\n\nIs the proposed solution correct? Answer Yes or No.`,
      "Yes",
      "No",
    );
  return {
    name,
    kind: "outcome",
    aggregation: "last",
    score: (question, candidates) => Promise.all(candidates.map(async (steps) => {
      const p = await scoreOne(question, steps.join("\n\n"));
      return p === null ? null : [p];
    })),
    compare: config.pairwise
      ? (question, a, b) => ask(`Question: ${question}\n\nSolution A:\n${a}\n\nSolution B:\n${b}\n\nWhich solution is correct? Answer A or B.`, "A", "B")
      : undefined,
  };
}
