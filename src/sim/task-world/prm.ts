/**
 * The sim process reward model: `POST /v1/reward` with `{model, question, steps: string[]}` →
 * `{step_scores, outcome_score, usage}`. Scores are informative but noisy: each step's score is
 * sigmoid(±signal + noise·N(0,1)), + while the solution is still on the reference track. Options
 * on the sim model (`signal`, `noise`) tune how informative it is. Deterministic per input.
 */
import { countTokens, hash32, rng } from "../random.js";
import type { SimEndpoint, SimModelConfig } from "../types.js";
import { onTrack } from "./grading.js";
import { findTask } from "./tasks.js";

/** Standard normal draw from two uniforms (Box–Muller). */
export function gaussian(r: () => number): number {
  const u = Math.max(1e-12, r());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export function scoreSteps(question: string, steps: string[], model: Partial<SimModelConfig> = {}): number[] {
  const task = findTask(question);
  const signal = Number(model.options?.signal ?? 2);
  const noise = Number(model.options?.noise ?? 1);
  const track = task ? onTrack(task, steps) : steps.map(() => true);
  return steps.map((_, i) => {
    if (!task) return 0.5;
    const r = rng(hash32(`${question}|${steps.slice(0, i + 1).join("\u0000")}`));
    return sigmoid((track[i] ? signal : -signal) + noise * gaussian(r));
  });
}

export const rewardEndpoint: SimEndpoint = {
  path: "/reward",
  handle(body, model) {
    const question = String(body.question ?? "");
    const steps = Array.isArray(body.steps) ? body.steps.map(String) : [];
    const stepScores = scoreSteps(question, steps, model);
    const tokens = countTokens(question) + steps.reduce((s, t) => s + countTokens(t), 0);
    return {
      object: "reward",
      model: String(body.model ?? "sim-prm"),
      step_scores: stepScores,
      outcome_score: stepScores.at(-1) ?? 0.5,
      usage: { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens },
    };
  },
};
