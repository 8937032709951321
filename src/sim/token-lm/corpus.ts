/**
 * Training text of the token LM: GSM8K training problems rendered the way the sim's chat template
 * renders a conversation ("Question: …\nAnswer:\n…"), with the `<<expr=result>>` calculator
 * annotations removed. Read once, lazily.
 */
import { readFileSync } from "node:fs";
import { findTasksFile } from "../tasks-file.js";

/** Path of `gsm8k-train.jsonl` (env `OCTOROUTE_TASKS`, else `../shared/data/tasks/`). */
export function corpusPath(): string {
  const path = findTasksFile();
  if (path) return path;
  throw new Error("token LM: gsm8k-train.jsonl not found (set OCTOROUTE_TASKS to its path)");
}

/** One training document per problem, as the chat template would show it. */
export function loadDocuments(path = corpusPath()): string[] {
  const docs: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const { question, answer } = JSON.parse(line) as { question: string; answer: string };
    docs.push(`Question: ${question.trim()}\nAnswer:\n${answer.replace(/<<[^<>]*>>/g, "").trim()}`);
  }
  return docs;
}
