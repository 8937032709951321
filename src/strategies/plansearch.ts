/**
 * `plansearch` (scaleapi/plansearch): search over natural-language plans instead of answers.
 * (1) ask for non-obvious observations; (2) for subsets of ≤ 2 of them derive a second-order
 * observation; (3) for each subset (the empty one included) write a plan quoting what it uses;
 * (4) optionally critique and fix it; (5) answer the original conversation following each plan.
 * Selection: the request's `octoroute.tests` when given (each `{expected}` checked against the
 * candidate's extracted answer), else a configured verifier, else a vote. Every stage is in the
 * trace.
 */
import { invalidParam } from "../api/errors.js";
import type { ChatMessage, ChatRequest } from "../api/schemas.js";
import { extractAnswer } from "./answers.js";
import { boolParam, enumParam, intParam, numParam, rejectUnknown, stringParam } from "./params.js";
import { answerCompletion, emptyAnswer } from "./result.js";
import { baseRequest, questionOf, type Sample, sample } from "./sampling.js";
import { aggregate } from "./search-math.js";
import { splitSteps } from "./steps.js";
import type { Strategy, StrategyContext } from "./types.js";
import { createVerifier, findVerifier } from "./verifiers/resolve.js";
import { vote } from "./voting.js";

const KNOWN = ["observations", "plans", "derive", "critique", "temperature", "selection", "verifier", "tests"];

interface Params {
  observations: number;
  plans: number;
  derive: boolean;
  critique: boolean;
  temperature: number;
  selection: "auto" | "tests" | "verifier" | "vote";
  verifier?: string;
  tests: Array<{ expected: string }>;
}

function parseTests(raw: unknown): Array<{ expected: string }> {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((t) => !t || typeof t !== "object" || typeof (t as { expected?: unknown }).expected !== "string")) {
    throw invalidParam("octoroute.tests", 'octoroute.tests must be a list of {"expected": string}.');
  }
  return raw as Array<{ expected: string }>;
}

/** Subsets of size ≤ 2 in order: the empty set, singles, then pairs; at most `limit`. */
export function subsets(count: number, limit: number): number[][] {
  const out: number[][] = [[]];
  for (let i = 0; i < count && out.length < limit; i++) out.push([i]);
  for (let i = 0; i < count && out.length < limit; i++) for (let j = i + 1; j < count && out.length < limit; j++) out.push([i, j]);
  return out.slice(0, limit);
}

/** The conversation with an instruction added after the system messages (never flattened). */
function withInstruction(messages: ChatMessage[], instruction: string): ChatMessage[] {
  const at = messages.findIndex((m) => m.role !== "system" && m.role !== "developer");
  const cut = at < 0 ? messages.length : at;
  return [...messages.slice(0, cut), { role: "system", content: instruction }, ...messages.slice(cut)];
}

export const planSearch: Strategy = {
  name: "plansearch",
  parseParams(params, client, env) {
    rejectUnknown(params, KNOWN, "plansearch");
    const selection = enumParam(params, "selection", "auto", ["auto", "tests", "verifier", "vote"] as const);
    const tests = parseTests(params.tests);
    if (selection === "tests" && tests.length === 0) throw invalidParam("octoroute.tests", "selection=tests needs octoroute.tests.");
    const verifier = stringParam(params, "verifier");
    if (verifier || selection === "verifier") findVerifier(env, client, verifier) ?? (() => { throw invalidParam("octoroute.verifier", "selection=verifier but no verifier is configured for this model or route."); })();
    return {
      observations: intParam(params, "observations", 5, 1, 20),
      plans: intParam(params, "plans", 6, 1, 32),
      derive: boolParam(params, "derive", true),
      critique: boolParam(params, "critique", false),
      temperature: numParam(params, "temperature", 0.8, 0, 2),
      selection,
      verifier,
      tests,
    } satisfies Params;
  },
  maxCalls: (p) => 1 + Number(p.plans) * 5,
  async run(request: ChatRequest, ctx: StrategyContext) {
    const p = ctx.params as unknown as Params;
    const base = baseRequest(request);
    const question = questionOf(request);
    const stage = async (instruction: string, label: string): Promise<string | null> => {
      const [s] = await sample(ctx, { ...base, messages: withInstruction(base.messages, instruction) }, 1, { temperature: p.temperature, label });
      return s ? s.text.trim() : null;
    };
    // 1. Observations.
    ctx.emit({ type: "progress", message: "plansearch: observations" });
    const obsText = await stage(`List non-obvious observations about the problem below, at most ${p.observations}, one per line starting with "- ". Do not solve it.`, "observations");
    const observations = (obsText ?? "").split("\n").map((l) => l.replace(/^\s*[-*\d.)]+\s*/, "").trim()).filter(Boolean).slice(0, p.observations);
    // 2. Subsets; second-order observations for pairs.
    const sets = subsets(observations.length, p.plans);
    const derived = await Promise.all(
      sets.map((set) =>
        p.derive && set.length === 2
          ? stage(`Combine these observations into one new, deeper observation about the problem below (one line starting with "- "):\n${set.map((i) => `- ${observations[i]}`).join("\n")}`, "derived")
          : Promise.resolve(null),
      ),
    );
    // 3–4. A plan per subset, optionally critiqued and fixed.
    ctx.emit({ type: "progress", message: `plansearch: ${sets.length} plans` });
    const used = sets.map((set, k) => [...set.map((i) => observations[i]!), ...(derived[k] ? [derived[k]!.replace(/^\s*-\s*/, "")] : [])]);
    const plans = await Promise.all(
      used.map(async (obs) => {
        const quoted = obs.length ? `Use these observations and quote the ones you rely on:\n${obs.map((o) => `- ${o}`).join("\n")}` : "Use your own approach.";
        let plan = await stage(`Write a natural-language plan for solving the problem below; do not give the final answer. ${quoted}`, "plans");
        let critique: string | null = null;
        if (plan && p.critique) {
          critique = await stage(`Critique this plan for the problem below and say how to fix it if it is wrong:\n${plan}`, "critiques");
          if (critique) plan = `${plan}\nRevision notes: ${critique}`;
        }
        return { plan, critique };
      }),
    );
    // 5. One answer per plan, to the original conversation.
    ctx.emit({ type: "progress", message: "plansearch: solutions" });
    const solutions = await Promise.all(
      plans.map(async ({ plan }) => {
        if (!plan) return null;
        const [s] = await sample(ctx, { ...base, messages: withInstruction(base.messages, `Follow this plan to answer:\n${plan}`) }, 1, { temperature: p.temperature, label: "solutions" });
        return s ?? null;
      }),
    );
    const candidates = solutions.map((s, i) => ({ s, i })).filter((x): x is { s: Sample; i: number } => x.s !== null);
    if (candidates.length === 0) return emptyAnswer(ctx);
    const texts = candidates.map((c) => c.s.text);
    // 6. Selection.
    let how: "tests" | "verifier" | "vote" = p.selection === "auto" ? (p.tests.length ? "tests" : findVerifier(ctx.env, ctx.client, p.verifier) ? "verifier" : "vote") : p.selection;
    let chosen = 0;
    let scores: Array<number | null> = [];
    if (how === "tests") {
      const passed = texts.map((t) => p.tests.filter((test) => extractAnswer(t).key === extractAnswer(test.expected).key).length);
      scores = passed;
      const best = Math.max(...passed);
      // Among those passing the most tests, the vote decides.
      const top = texts.map((t, i) => (passed[i] === best ? t : null));
      const idx = top.map((t, i) => (t !== null ? i : -1)).filter((i) => i >= 0);
      chosen = idx[vote(idx.map((i) => texts[i]!)).winner]!;
    } else if (how === "verifier") {
      const choice = findVerifier(ctx.env, ctx.client, p.verifier)!;
      const verifier = createVerifier(choice, ctx);
      const raw = await verifier.score(question, texts.map((t) => splitSteps(t)));
      scores = raw.map((s) => (s ? aggregate(s, verifier.aggregation) : null));
      scores.forEach((s, i) => {
        if (s !== null && s > (scores[chosen] ?? Number.NEGATIVE_INFINITY)) chosen = i;
      });
    } else {
      how = "vote";
      chosen = vote(texts).winner;
    }
    if (ctx.trace) {
      ctx.trace.stages = {
        observations,
        derived: derived.filter(Boolean),
        plans: plans.map((x, i) => ({ subset: sets[i], observations: used[i], plan: x.plan, critique: x.critique })),
        solutions: candidates.map((c, k) => ({ plan: c.i, text: c.s.text, answer: extractAnswer(c.s.text).key, score: scores[k] ?? null })),
        selection: { by: how, chosen },
      };
      ctx.trace.chosen = chosen;
    }
    if (ctx.report) ctx.report.plans = candidates.length;
    return answerCompletion(ctx, candidates[chosen]!.s);
  },
};
