/** Steps of a solution: text split at the step delimiter ("\n\n", as in the PRM literature). */
export const STEP_DELIMITER = "\n\n";

export function splitSteps(text: string, delimiter = STEP_DELIMITER): string[] {
  return text.split(delimiter).map((s) => s.trim()).filter(Boolean);
}

/** True when a step contains a final-answer marker (`####`, "The answer is", `\boxed`). */
export function isFinalStep(step: string): boolean {
  return /####|the (?:final )?answer is|\\boxed\{/i.test(step);
}
