/**
 * Eval datasets: JSONL with `{question, answer}` — GSM8K's shape, where `answer` may be a worked
 * solution ending in `#### n` or just the answer. The expected answer is compared by the same
 * extraction the voting strategies use.
 */
import { readFileSync } from "node:fs";
import { extractAnswer } from "../strategies/answers.js";

export interface EvalItem {
  question: string;
  /** Canonical answer key (`number:72`). */
  key: string;
}

export function loadDataset(path: string, offset = 0, limit = Number.POSITIVE_INFINITY): EvalItem[] {
  const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.trim());
  return lines.slice(offset, offset + limit).map((line, i) => {
    const rec = JSON.parse(line) as { question?: unknown; answer?: unknown };
    if (typeof rec.question !== "string" || rec.answer === undefined) throw new Error(`${path}:${offset + i + 1}: expected {question, answer}`);
    return { question: rec.question, key: extractAnswer(String(rec.answer)).key };
  });
}
