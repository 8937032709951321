/**
 * `best-of-n`: n samples, the one the verifier likes best. Pointwise (reward model or LLM judge
 * score, aggregated over steps) or a pairwise knockout tournament when the judge is pairwise or
 * `mode: "pairwise"` is asked for. Needs a configured verifier (else a 400 saying so).
 */
import { invalidParam } from "../api/errors.js";
import type { ChatRequest } from "../api/schemas.js";
import { enumParam, intParam, numParam, rejectUnknown, stringParam } from "./params.js";
import { answerCompletion, emptyAnswer } from "./result.js";
import { questionOf, sample } from "./sampling.js";
import { aggregate } from "./search-math.js";
import type { Strategy, StrategyContext } from "./types.js";
import { createVerifier, requireVerifier } from "./verifiers/resolve.js";
import { splitSteps } from "./steps.js";

const KNOWN = ["n", "temperature", "verifier", "mode"];

export const bestOfN: Strategy = {
  name: "best-of-n",
  parseParams(params, client, env) {
    rejectUnknown(params, KNOWN, "best-of-n");
    const verifier = requireVerifier("best-of-n", env, client, stringParam(params, "verifier"));
    const mode = enumParam(params, "mode", verifier.config.type === "llm-judge" && verifier.config.pairwise ? "pairwise" : "pointwise", ["pointwise", "pairwise"] as const);
    if (mode === "pairwise" && !(verifier.config.type === "llm-judge" && verifier.config.pairwise)) {
      throw invalidParam("octoroute.mode", `Verifier "${verifier.name}" is not a pairwise judge (set pairwise: true on an llm-judge).`);
    }
    return { n: intParam(params, "n", 8, 1, 64), temperature: numParam(params, "temperature", 0.8, 0, 2), verifier: verifier.name, mode };
  },
  maxCalls: (p) => Number(p.n) * 2,
  async run(request: ChatRequest, ctx: StrategyContext) {
    const p = ctx.params as { n: number; temperature: number; verifier: string; mode: "pointwise" | "pairwise" };
    const verifier = createVerifier(requireVerifier("best-of-n", ctx.env, ctx.client, p.verifier), ctx);
    const samples = await sample(ctx, request, p.n, { temperature: p.temperature });
    if (samples.length === 0) return emptyAnswer(ctx);
    const question = questionOf(request);
    let chosen = 0;
    const trace: Record<string, unknown> = {};
    if (p.mode === "pairwise" && verifier.compare) {
      // Knockout tournament: winners of each round meet in the next; a bye goes through.
      let alive = samples.map((_, i) => i);
      const rounds: Array<Array<{ a: number; b: number; pA: number | null }>> = [];
      while (alive.length > 1) {
        ctx.emit({ type: "progress", message: `tournament: ${alive.length} left` });
        const pairs: Array<[number, number]> = [];
        for (let i = 0; i + 1 < alive.length; i += 2) pairs.push([alive[i]!, alive[i + 1]!]);
        const results = await Promise.all(pairs.map(([a, b]) => verifier.compare!(question, samples[a]!.text, samples[b]!.text)));
        rounds.push(pairs.map(([a, b], i) => ({ a, b, pA: results[i] ?? null })));
        const next = pairs.map(([a, b], i) => ((results[i] ?? 1) >= 0.5 ? a : b));
        if (alive.length % 2 === 1) next.push(alive.at(-1)!);
        alive = next;
        if (ctx.budget?.spent) break;
      }
      chosen = alive[0]!;
      trace.rounds = rounds;
    } else {
      const scored = await verifier.score(question, samples.map((s) => splitSteps(s.text)));
      const scores = scored.map((s) => (s ? aggregate(s, verifier.aggregation) : Number.NEGATIVE_INFINITY));
      scores.forEach((s, i) => {
        if (s > scores[chosen]!) chosen = i;
      });
      trace.scores = scores;
    }
    if (ctx.report) ctx.report.samples = samples.length;
    if (ctx.trace) {
      ctx.trace.verifier = verifier.name;
      ctx.trace.mode = p.mode;
      ctx.trace.candidates = samples.map((s, i) => ({ index: i, text: s.text, score: (trace.scores as number[] | undefined)?.[i] }));
      if (trace.rounds) ctx.trace.rounds = trace.rounds;
      ctx.trace.chosen = chosen;
    }
    return answerCompletion(ctx, samples[chosen]!);
  },
};
