/**
 * The task world's questions: GSM8K training problems with their worked solutions, loaded lazily
 * once and cached, parsed into steps whose `<<expr=result>>` annotations the sim can recompute.
 * A sim model finds "its" question anywhere in a prompt, so any prompt wording works.
 */
import { readFileSync } from "node:fs";
import { hash32 } from "../random.js";
import { findTasksFile } from "../tasks-file.js";

/** One computation inside a step: the expression, its reference result. */
export interface Annotation {
  expr: string;
  result: number;
}

/** A reference step: text parts interleaved with annotated values. */
export interface TaskStep {
  parts: Array<string | Annotation>;
}

export interface Task {
  index: number;
  question: string;
  steps: TaskStep[];
  /** Reference final answer (canonical number text). */
  answer: string;
  /** Question difficulty in [0,1] (deterministic from the text). */
  difficulty: number;
}

let cache: { tasks: Task[]; byHead: Map<string, Task[]>; found: Map<number, Task | null> } | null = null;

/** Path of the task file (env `OCTOROUTE_TASKS`, else `../shared/data/tasks/gsm8k-train.jsonl`). */
export function tasksPath(): string {
  const path = findTasksFile();
  if (path) return path;
  throw new Error("task world: gsm8k-train.jsonl not found (set OCTOROUTE_TASKS)");
}

function parseStep(line: string): TaskStep {
  const parts: TaskStep["parts"] = [];
  const re = /<<([^=<>]*)=([^<>]*)>>/g;
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    parts.push(line.slice(last, m.index));
    const result = Number(m[2]!.replace(/,/g, ""));
    // The text after an annotation repeats the result: drop it, the annotation renders it.
    let after = m.index + m[0].length;
    const repeat = /^-?[\d,]*\.?\d+/.exec(line.slice(after));
    if (repeat && Number(repeat[0].replace(/,/g, "")) === result) after += repeat[0].length;
    if (Number.isFinite(result)) parts.push({ expr: m[1]!, result });
    else parts.push(m[2]!);
    last = after;
    re.lastIndex = after;
  }
  parts.push(line.slice(last));
  return { parts: parts.filter((p) => p !== "") };
}

/** Parses one JSONL record into a task. */
export function parseTask(record: { question: string; answer: string }, index: number): Task {
  const lines = record.answer.split("\n");
  const final = lines.find((l) => l.startsWith("####")) ?? "#### 0";
  const steps = lines.filter((l) => !l.startsWith("####") && l.trim() !== "").map(parseStep);
  const answer = String(Number(final.slice(4).trim().replace(/,/g, "")));
  return { index, question: record.question.trim(), steps, answer, difficulty: (hash32(record.question) % 1000) / 1000 };
}

const head = (text: string) => text.replace(/\s+/g, " ").trim().slice(0, 40);

function load() {
  if (cache) return cache;
  const tasks = readFileSync(tasksPath(), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => parseTask(JSON.parse(l) as { question: string; answer: string }, i));
  const byHead = new Map<string, Task[]>();
  for (const t of tasks) {
    const k = head(t.question);
    byHead.set(k, [...(byHead.get(k) ?? []), t]);
  }
  cache = { tasks, byHead, found: new Map() };
  return cache;
}

/** All tasks (loads the file on first use). */
export function allTasks(): Task[] {
  return load().tasks;
}

/** The task whose question appears in `prompt` (first one found), or null. Cached per prompt. */
export function findTask(prompt: string): Task | null {
  const world = load();
  const key = hash32(prompt);
  const known = world.found.get(key);
  if (known !== undefined) return known;
  let found: Task | null = null;
  // Fast path: a question starts a line (or follows "Question:").
  for (const line of prompt.split("\n")) {
    const text = line.replace(/^\s*(?:[A-Za-z]+:\s*)?/, "");
    for (const cand of [text, line]) {
      const hit = world.byHead.get(head(cand))?.find((t) => prompt.includes(t.question));
      if (hit) {
        found = hit;
        break;
      }
    }
    if (found) break;
  }
  if (!found) found = world.tasks.find((t) => prompt.includes(t.question)) ?? null;
  if (world.found.size > 50_000) world.found.clear();
  world.found.set(key, found);
  return found;
}
