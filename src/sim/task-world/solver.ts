/**
 * `solver`: a sim model that solves task-world questions step by step. Each step is right with a
 * probability that falls with the question's difficulty and rises with the model's `skill`; a
 * wrong step's value is carried into later steps, so one slip gives a wrong final answer. Token
 * logprobs follow the same probabilities (a slipped value is an unlikely token whose top
 * alternative is the right one). A trailing assistant message (or a completions prompt ending
 * after "Assistant:") is continued from where it stops, which particle filtering and REBASE need.
 * It also answers PlanSearch's stage prompts (observations, plans, critiques).
 */
import { rng, tokenize, hash32 } from "../random.js";
import type { GenInput, GenOutput, GenToken, SimBehaviour } from "../types.js";
import { evaluate, formatNumber } from "./arith.js";
import { type Annotation, findTask, type Task } from "./tasks.js";

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return "";
}

/** Step delimiter of sim solutions (the particle filter's default). */
export const STEP_DELIMITER = "\n\n";

interface Segment {
  text: string;
  logprob: number;
  alt?: string;
}

interface SolveState {
  values: Map<string, number>;
  wrong: boolean;
}

/** Probability that one step is right, for a model skill and a task. */
export function stepProbability(skill: number, task: Task): number {
  return Math.min(0.999, Math.max(0.01, skill ** (0.3 + 0.6 * task.difficulty)));
}

/** Probability that a whole solution is right (every annotated step right). */
export function solveProbability(skill: number, task: Task): number {
  const annotated = task.steps.filter((s) => s.parts.some((p) => typeof p !== "string")).length;
  return stepProbability(skill, task) ** annotated;
}

function perturb(v: number, r: () => number): number {
  const span = Math.max(3, Math.abs(v) * 0.5);
  let d = 1 + Math.floor(r() * span);
  if (!Number.isInteger(v)) d = Math.round(d * 0.5 * 100) / 100 || 0.5;
  const down = r() < 0.5 && v - d >= 0;
  return down ? v - d : v + d;
}

function substitute(text: string, state: SolveState): { text: string; changed: boolean } {
  let changed = false;
  const out = text.replace(/\d+(?:\.\d+)?/g, (m) => {
    const v = state.values.get(formatNumber(Number(m)));
    if (v === undefined) return m;
    changed = true;
    return formatNumber(v);
  });
  return { text: out, changed };
}

/** Renders reference step `i` for one sample, drawing whether it slips. */
function renderStep(task: Task, i: number, p: number, seed: number, state: SolveState): Segment[] {
  const r = rng(hash32(`${seed}|step${i}`));
  const slip = r() > p;
  const parts = task.steps[i]!.parts;
  const lastAnn = parts.reduce((acc, part, j) => (typeof part === "string" ? acc : j), -1);
  const segs: Segment[] = [];
  parts.forEach((part, j) => {
    if (typeof part === "string") {
      segs.push({ text: substitute(part, state).text, logprob: -0.02 });
      return;
    }
    const ann = part as Annotation;
    const sub = substitute(ann.expr, state);
    let v = sub.changed ? (evaluate(sub.text) ?? ann.result) : ann.result;
    const right = v;
    if (slip && j === lastAnn) v = perturb(v, r);
    if (formatNumber(v) !== formatNumber(ann.result)) {
      state.values.set(formatNumber(ann.result), v);
      state.wrong = true;
    }
    const slipped = v !== right;
    segs.push({ text: formatNumber(v), logprob: slipped ? Math.log(1 - p) : Math.log(p), alt: slipped ? formatNumber(right) : formatNumber(perturb(right, r)) });
  });
  return segs;
}

function finalStep(task: Task, seed: number, state: SolveState, ending: string): Segment[] {
  const r = rng(hash32(`${seed}|final`));
  const answer = Number(task.answer);
  let v = state.values.get(formatNumber(answer)) ?? answer;
  if (state.wrong && formatNumber(v) === task.answer) v = perturb(answer, r);
  const style = ending === "hashes" || (ending !== "sentence" && r() < 0.5) ? "hashes" : "sentence";
  const lp = state.wrong ? -0.7 : -0.05;
  return style === "hashes"
    ? [{ text: "#### ", logprob: -0.01 }, { text: formatNumber(v), logprob: lp }]
    : [{ text: "The answer is ", logprob: -0.01 }, { text: formatNumber(v), logprob: lp }, { text: ".", logprob: -0.01 }];
}

/** Rebuilds the carried values from steps already written (a continued partial solution). */
function replay(task: Task, steps: string[], state: SolveState): void {
  steps.forEach((text, i) => {
    const step = task.steps[i];
    if (!step) return;
    const anns = step.parts.filter((p): p is Annotation => typeof p !== "string");
    const shown = [...text.matchAll(/=\s*\$?(-?\d+(?:\.\d+)?)/g)].map((m) => Number(m[1]));
    anns.forEach((ann, j) => {
      const got = shown[j];
      // A value the partial answer shows differently from the reference is carried on.
      if (got !== undefined && formatNumber(got) !== formatNumber(ann.result)) {
        state.values.set(formatNumber(ann.result), got);
        state.wrong = true;
      }
    });
  });
}

function toTokens(segs: Segment[], topK: number): GenToken[] {
  const out: GenToken[] = [];
  for (const s of segs) {
    tokenize(s.text).forEach((t, i) => {
      const logprob = i === 0 ? s.logprob : -0.01;
      const top = topK > 0 ? [{ token: t, logprob }] : [];
      if (topK > 1 && i === 0 && s.alt !== undefined) {
        const alt = tokenize(s.alt)[0] ?? s.alt;
        const altLp = Math.log(Math.max(1e-6, 1 - Math.exp(logprob)));
        if (alt !== t) top.push({ token: alt, logprob: altLp });
        top.sort((a, b) => b.logprob - a.logprob);
      }
      out.push({ text: t, logprob, top });
    });
  }
  return out;
}

/** The text the model is asked to continue, and the conversation before it. */
function splitPrefix(input: GenInput): { context: string; prefix: string } {
  if (input.endpoint === "completion") {
    const at = input.prompt.lastIndexOf("Assistant:");
    if (at < 0) return { context: input.prompt, prefix: "" };
    return { context: input.prompt.slice(0, at), prefix: input.prompt.slice(at + "Assistant:".length).replace(/^ /, "") };
  }
  const last = input.messages.at(-1);
  const prefix = last?.role === "assistant" ? contentText(last.content) : "";
  const context = (last?.role === "assistant" ? input.messages.slice(0, -1) : input.messages).map((m) => contentText(m.content)).join("\n");
  return { context, prefix };
}

/** Stage prompts of PlanSearch (recognised by their instruction sentence). */
function stageAnswer(task: Task, context: string, seed: number): string | null {
  const r = rng(seed);
  const facts = task.steps.map((s) => s.parts.map((p) => (typeof p === "string" ? p : formatNumber(p.result))).join("").trim());
  if (/List non-obvious observations/i.test(context)) {
    const want = Number(/at most (\d+)/i.exec(context)?.[1] ?? 5);
    const picks = facts.map((f, i) => ({ f, k: r() + i * 0.01 })).sort((a, b) => a.k - b.k).slice(0, want);
    return picks.map((p) => `- ${p.f.replace(/=\s*[\d.]+/, "= ?")}`).join("\n");
  }
  if (/Combine these observations/i.test(context)) return `- Putting these together: ${facts[Math.floor(r() * facts.length)] ?? "work step by step"}`;
  if (/Write a natural-language plan/i.test(context)) return `Plan: ${facts.map((f, i) => `step ${i + 1}, ${f.replace(/=\s*[\d.]+/, "")}`).join("; ")}; then state the final answer.`;
  if (/Critique this plan/i.test(context)) return r() < 0.8 ? "The plan is sound." : "The plan misses a step; compute each quantity before combining them.";
  return null;
}

export const solver: SimBehaviour = {
  name: "solver",
  generate(input: GenInput): GenOutput {
    const { context, prefix } = splitPrefix(input);
    const task = findTask(context) ?? findTask(input.prompt);
    if (!task) return { tokens: tokenize("I could not find a question to solve.").map((t) => ({ text: t, logprob: -0.5, top: [] })), finishReason: "stop" };
    const options = input.model.options ?? {};
    const lastUser = [...input.messages].reverse().find((m) => m.role === "user" || m.role === "system");
    const stage = prefix === "" ? stageAnswer(task, input.endpoint === "completion" ? input.prompt : contentText(lastUser?.content) + "\n" + context, input.seed) : null;
    let text: string;
    let tokens: GenToken[];
    if (stage !== null) {
      text = stage;
      tokens = toTokens([{ text, logprob: -0.3 }], input.topLogprobs);
    } else {
      const p = stepProbability(input.model.skill ?? 0.7, task);
      const state: SolveState = { values: new Map(), wrong: false };
      const written = prefix.split(STEP_DELIMITER);
      const partialLast = written.pop() ?? "";
      replay(task, written, state);
      const segs: Segment[] = [];
      const ending = String(options.ending ?? "either");
      for (let i = written.length; i <= task.steps.length; i++) {
        if (i > written.length) segs.push({ text: STEP_DELIMITER, logprob: -0.01 });
        segs.push(...(i < task.steps.length ? renderStep(task, i, p, input.seed, state) : finalStep(task, input.seed, state, ending)));
      }
      let full = segs.map((s) => s.text).join("");
      // A partial last step: continue it if it is a prefix of the step we would write.
      if (partialLast) {
        if (full.startsWith(partialLast)) {
          const cut = partialLast.length;
          let acc = 0;
          const rest: Segment[] = [];
          for (const s of segs) {
            if (acc + s.text.length <= cut) acc += s.text.length;
            else if (acc < cut) {
              rest.push({ ...s, text: s.text.slice(cut - acc) });
              acc = cut;
            } else rest.push(s);
          }
          segs.splice(0, segs.length, ...rest);
        } else segs.unshift({ text: STEP_DELIMITER, logprob: -0.5 });
        full = segs.map((s) => s.text).join("");
      }
      text = full;
      tokens = toTokens(segs, input.topLogprobs);
    }
    return cutOutput(tokens, input);
  },
};

/** Applies `stop` sequences and the token cap, as an OpenAI upstream would. */
function cutOutput(tokens: GenToken[], input: GenInput): GenOutput {
  const stop = input.body.stop;
  const stops = (Array.isArray(stop) ? stop : typeof stop === "string" ? [stop] : []).filter((s): s is string => typeof s === "string" && s.length > 0);
  let finishReason: GenOutput["finishReason"] = "stop";
  let out = tokens;
  if (stops.length) {
    let text = "";
    for (let i = 0; i < tokens.length; i++) {
      text += tokens[i]!.text;
      const hit = stops.map((s) => text.indexOf(s)).filter((x) => x >= 0);
      if (hit.length) {
        const at = Math.min(...hit);
        // Keep whole tokens before the stop sequence; trim the one containing it.
        const kept: GenToken[] = [];
        let acc = 0;
        for (const t of tokens.slice(0, i + 1)) {
          if (acc + t.text.length <= at) kept.push(t);
          else if (acc < at) kept.push({ ...t, text: t.text.slice(0, at - acc) });
          acc += t.text.length;
        }
        out = kept;
        break;
      }
    }
  }
  if (out.length > input.maxTokens) {
    out = out.slice(0, input.maxTokens);
    finishReason = "length";
  }
  return { tokens: out, finishReason };
}
