/**
 * `particle-filter` (Puri et al.): N particles are partial solutions. Each round every active
 * particle is extended by one step (to the step delimiter, or by `step_tokens` tokens) through
 * assistant-prefix continuation or the completions endpoint; a process reward model scores the
 * partial solutions; weights = softmax(inverse-sigmoid(reward) / τ); N particles are resampled
 * with replacement (finished ones keep their weight and stay finished). Stops when none is
 * active or at `max_steps`; the answer is the best final reward or a reward-weighted vote.
 */
import type { ChatRequest } from "../api/schemas.js";
import { hash32 } from "./hash.js";
import { boolParam, enumParam, intParam, numParam, rejectUnknown, stringParam } from "./params.js";
import { answerCompletion, emptyAnswer } from "./result.js";
import { continueFrom, questionOf, requireContinuation } from "./sampling.js";
import { type Aggregation, aggregate, particleWeights, resample, seededUniforms } from "./search-math.js";
import { isFinalStep, splitSteps, STEP_DELIMITER } from "./steps.js";
import type { Strategy, StrategyContext } from "./types.js";
import { createVerifier, findVerifier, requireVerifier } from "./verifiers/resolve.js";
import { vote } from "./voting.js";

const KNOWN = ["n", "temperature", "tau", "max_steps", "step_tokens", "max_step_tokens", "aggregation", "final", "verifier", "resample_finished"];

interface Params {
  n: number;
  temperature: number;
  tau: number;
  max_steps: number;
  step_tokens: number;
  max_step_tokens: number;
  aggregation: Aggregation | "verifier";
  final: "best" | "vote";
  verifier: string;
  resample_finished: boolean;
}

interface Particle {
  text: string;
  done: boolean;
  reward: number;
}

/** A process verifier for search strategies: a reward model if one applies, else any verifier. */
export function searchVerifier(strategy: string, params: Record<string, unknown>, client: Parameters<typeof findVerifier>[1], env: Parameters<typeof findVerifier>[0]) {
  const named = stringParam(params, "verifier");
  return named ? requireVerifier(strategy, env, client, named) : (findVerifier(env, client, undefined, "reward-model") ?? requireVerifier(strategy, env, client, undefined));
}

export const particleFilter: Strategy = {
  name: "particle-filter",
  parseParams(params, client, env) {
    rejectUnknown(params, KNOWN, "particle-filter");
    requireContinuation("particle-filter", client);
    const verifier = searchVerifier("particle-filter", params, client, env);
    return {
      n: intParam(params, "n", 8, 1, 64),
      temperature: numParam(params, "temperature", 0.8, 0, 2),
      tau: numParam(params, "tau", 1, 0.01, 100),
      max_steps: intParam(params, "max_steps", 32, 1, 64),
      step_tokens: intParam(params, "step_tokens", 0, 0, 4096),
      max_step_tokens: intParam(params, "max_step_tokens", 256, 1, 4096),
      aggregation: enumParam(params, "aggregation", "verifier", ["verifier", "last", "min", "prod", "mean"] as const),
      final: enumParam(params, "final", "best", ["best", "vote"] as const),
      verifier: verifier.name,
      resample_finished: boolParam(params, "resample_finished", true),
    } satisfies Params;
  },
  maxCalls: (p) => Number(p.n) * Number(p.max_steps) * 2,
  async run(request: ChatRequest, ctx: StrategyContext) {
    const p = ctx.params as unknown as Params;
    const verifier = createVerifier(requireVerifier("particle-filter", ctx.env, ctx.client, p.verifier), ctx);
    const how = p.aggregation === "verifier" ? verifier.aggregation : p.aggregation;
    const question = questionOf(request);
    const uniform = seededUniforms(hash32(`${request.seed ?? 0}|${question}`));
    let particles: Particle[] = Array.from({ length: p.n }, () => ({ text: "", done: false, reward: 0.5 }));
    const rounds: unknown[] = [];
    for (let step = 0; step < p.max_steps; step++) {
      const active = particles.map((q, i) => (q.done ? -1 : i)).filter((i) => i >= 0);
      if (active.length === 0) break;
      ctx.emit({ type: "progress", message: `step ${step + 1}: ${active.length}/${p.n} particles active` });
      const conts = await Promise.all(
        active.map((i) =>
          continueFrom(ctx, request, particles[i]!.text, 1, {
            stop: p.step_tokens ? undefined : [STEP_DELIMITER],
            maxTokens: p.step_tokens || p.max_step_tokens,
            temperature: p.temperature,
          }),
        ),
      );
      const extended: number[] = [];
      active.forEach((i, k) => {
        const c = conts[k]?.[0];
        if (!c) return;
        const q = { ...particles[i]! };
        const piece = c.text;
        q.text += piece;
        const natural = p.step_tokens ? c.finishReason === "stop" : piece.trim() === "";
        if (isFinalStep(piece) || natural) q.done = true;
        else if (!p.step_tokens) q.text += STEP_DELIMITER;
        particles[i] = q;
        extended.push(i);
      });
      const scores = await verifier.score(question, extended.map((i) => splitSteps(particles[i]!.text)));
      extended.forEach((i, k) => {
        const s = scores[k];
        if (s) particles[i]!.reward = aggregate(s, how);
      });
      if (step === p.max_steps - 1) for (const q of particles) q.done = true;
      if (ctx.budget?.spent || extended.length < active.length) break;
      if (particles.every((q) => q.done)) break;
      const pool = p.resample_finished ? particles.map((_, i) => i) : particles.map((q, i) => (q.done ? -1 : i)).filter((i) => i >= 0);
      const weights = particleWeights(pool.map((i) => particles[i]!.reward), p.tau);
      const picks = resample(weights, pool.map(() => uniform())).map((j) => pool[j]!);
      const kept = p.resample_finished ? [] : particles.filter((q) => q.done);
      rounds.push({ step: step + 1, rewards: particles.map((q) => Number(q.reward.toFixed(4))), weights: weights.map((w) => Number(w.toFixed(4))), resampled: picks });
      particles = [...kept, ...picks.map((i) => ({ ...particles[i]! }))];
    }
    const finished = particles.filter((q) => q.done && q.text.trim());
    const pool = finished.length ? finished : particles.filter((q) => q.text.trim());
    if (pool.length === 0) return emptyAnswer(ctx);
    let chosen = 0;
    const texts = pool.map((q) => q.text.trim());
    if (p.final === "vote") chosen = vote(texts, pool.map((q) => q.reward)).winner;
    else pool.forEach((q, i) => (q.reward > pool[chosen]!.reward ? (chosen = i) : 0));
    if (ctx.trace) {
      ctx.trace.verifier = verifier.name;
      ctx.trace.rounds = rounds;
      ctx.trace.candidates = pool.map((q, i) => ({ index: i, text: q.text.trim(), reward: q.reward, answer: vote([q.text]).keys[0] }));
      ctx.trace.chosen = chosen;
    }
    if (ctx.report) ctx.report.steps = rounds.length + 1;
    return answerCompletion(ctx, texts[chosen]!);
  },
};
