/**
 * Eval datasets: JSONL with `{question, answer}` — GSM8K's shape, where `answer` may be a worked
 * solution ending in `#### n` or just the answer. The expected answer is compared by the same
 * extraction the voting strategies use.
 */
import { readFileSync } from "node:fs";
import { DataError, jsonlRecords } from "../jsonl.js";
import { extractAnswer } from "../strategies/answers.js";

export interface EvalItem {
  question: string;
  /** Canonical answer key (`number:72`). */
  key: string;
}

export function loadDataset(path: string, offset = 0, limit = Number.POSITIVE_INFINITY): EvalItem[] {
  const records = jsonlRecords(readFileSync(path, "utf8"), path);
  return records.slice(offset, offset + limit).map(({ line, value }) => {
    const rec = (value ?? {}) as { question?: unknown; answer?: unknown };
    if (typeof rec.question !== "string" || rec.answer === undefined) throw new DataError(`${path}:${line}: expected {question, answer}`);
    return { question: rec.question, key: extractAnswer(String(rec.answer)).key };
  });
}
