/**
 * `judge`: a sim LLM judge for the task world. Asked whether a proposed solution is correct it
 * answers "Yes" or "No" with top logprobs over both, P(Yes) = sigmoid(±strength + noise·N(0,1));
 * asked which of "Solution A" / "Solution B" is correct it answers "A" or "B" the same way.
 * Informative but noisy (options `strength`, `noise`), deterministic per prompt.
 */
import { hash32, rng } from "../random.js";
import type { GenInput, GenOutput, SimBehaviour } from "../types.js";
import { isCorrect } from "./grading.js";
import { gaussian } from "./prm.js";
import { findTask } from "./tasks.js";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function between(text: string, start: string, end?: string): string {
  const a = text.indexOf(start);
  if (a < 0) return "";
  const from = a + start.length;
  const b = end ? text.indexOf(end, from) : -1;
  return text.slice(from, b < 0 ? undefined : b);
}

function binary(yes: string, no: string, p: number, topK: number): GenOutput {
  const pick = p >= 0.5 ? yes : no;
  const lpYes = Math.log(Math.max(1e-9, p));
  const lpNo = Math.log(Math.max(1e-9, 1 - p));
  const top = [
    { token: yes, logprob: lpYes },
    { token: no, logprob: lpNo },
  ].sort((a, b) => b.logprob - a.logprob);
  return { tokens: [{ text: pick, logprob: pick === yes ? lpYes : lpNo, top: top.slice(0, Math.max(topK, 0)) }], finishReason: "stop" };
}

export const judge: SimBehaviour = {
  name: "judge",
  generate(input: GenInput): GenOutput {
    const prompt = input.prompt;
    const task = findTask(prompt);
    const strength = Number(input.model.options?.strength ?? 1.5) + (input.model.skill ?? 0.7);
    const noise = Number(input.model.options?.noise ?? 1);
    const r = rng(hash32(`judge|${prompt}`));
    if (prompt.includes("Solution A:") && prompt.includes("Solution B:")) {
      const a = between(prompt, "Solution A:", "Solution B:");
      const b = between(prompt, "Solution B:", "Which solution");
      const ca = task ? isCorrect(task, a) : false;
      const cb = task ? isCorrect(task, b) : false;
      const edge = ca === cb ? 0 : ca ? strength : -strength;
      return binary("A", "B", sigmoid(edge + noise * gaussian(r)), input.topLogprobs);
    }
    const proposed = between(prompt, "Proposed solution:", "Is the proposed solution correct");
    const right = task ? isCorrect(task, proposed) : false;
    return binary("Yes", "No", sigmoid((right ? strength : -strength) + noise * gaussian(r)), input.topLogprobs);
  },
};
