/**
 * Ground truth for the task world's graders (PRM, judge): whether each step of a solution is still
 * on the reference track, and whether a final answer is right. Graders add noise on top of this.
 */
import { extractAnswer } from "../../strategies/answers.js";
import { formatNumber } from "./arith.js";
import type { Task } from "./tasks.js";

/** Per step: true while every step so far shows the reference results (a slip ends the track). */
export function onTrack(task: Task, steps: string[]): boolean[] {
  const out: boolean[] = [];
  let ok = true;
  steps.forEach((text, i) => {
    if (ok) {
      const ref = task.steps[i];
      if (ref) {
        for (const part of ref.parts) {
          if (typeof part === "string") continue;
          const want = formatNumber(part.result);
          const shown = (text.match(/-?\d+(?:\.\d+)?/g) ?? []).map((n) => formatNumber(Number(n)));
          if (!shown.includes(want)) ok = false;
        }
      }
      if (/####|answer is|\\boxed/i.test(text)) ok = ok && isCorrect(task, text);
    }
    out.push(ok);
  });
  return out;
}

/** True when the text's final answer equals the task's answer. */
export function isCorrect(task: Task, text: string): boolean {
  return extractAnswer(text).key === `number:${task.answer}`;
}
