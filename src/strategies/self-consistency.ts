/**
 * `self-consistency` (Wang et al.): sample n reasoning paths, extract each final answer, return a
 * response whose answer has the most votes (ties → first seen). `weighted: true` weights votes by
 * the sample's mean token logprob. `adaptive: true` samples in waves and stops once the leading
 * answer has a supermajority or its Beta-posterior confidence passes the threshold, reporting
 * the calls it saved.
 */
import type { ChatRequest } from "../api/schemas.js";
import { boolParam, capabilityMissing, enumParam, intParam, numParam, rejectUnknown } from "./params.js";
import { answerCompletion, emptyAnswer } from "./result.js";
import { type Sample, sample } from "./sampling.js";
import { betaConfidence } from "./search-math.js";
import type { Strategy, StrategyContext } from "./types.js";
import { vote } from "./voting.js";

const KNOWN = ["n", "temperature", "adaptive", "stop_rule", "threshold", "confidence", "wave", "min_samples", "weighted"];

interface Params {
  n: number;
  temperature: number;
  adaptive: boolean;
  stop_rule: "beta" | "supermajority";
  threshold: number;
  confidence: number;
  wave: number;
  min_samples: number;
  weighted: boolean;
}

function meanLogprob(s: Sample): number {
  const lp = s.logprobs?.content ?? [];
  return lp.length ? lp.reduce((a, t) => a + t.logprob, 0) / lp.length : 0;
}

/**
 * Whether the adaptive rule may stop with these vote counts: a supermajority share of all votes,
 * or (Adaptive-Consistency's Beta rule) P(leader's rate > runner-up's) under
 * Beta(1 + leader, 1 + runner-up) reaching the confidence.
 */
export function adaptiveStop(p: Pick<Params, "stop_rule" | "threshold" | "confidence" | "min_samples">, top: number, total: number, runnerUp = total - top): boolean {
  if (total < p.min_samples) return false;
  if (p.stop_rule === "supermajority") return top / total >= p.threshold;
  return betaConfidence(top, runnerUp) >= p.confidence;
}

export const selfConsistency: Strategy = {
  name: "self-consistency",
  parseParams(params, client) {
    rejectUnknown(params, KNOWN, "self-consistency");
    const n = intParam(params, "n", 8, 1, 64);
    const weighted = boolParam(params, "weighted", false);
    if (weighted && !client.capabilities.logprobs) {
      throw capabilityMissing("self-consistency", "token logprobs (weighted: true)", `model "${client.node.name}" declares capabilities.logprobs: false.`);
    }
    return {
      n,
      temperature: numParam(params, "temperature", 0.8, 0, 2),
      adaptive: boolParam(params, "adaptive", false),
      stop_rule: enumParam(params, "stop_rule", "beta", ["beta", "supermajority"] as const),
      threshold: numParam(params, "threshold", 0.75, 0.5, 1),
      confidence: numParam(params, "confidence", 0.95, 0.5, 0.9999),
      wave: intParam(params, "wave", Math.min(4, n), 1, 64),
      min_samples: intParam(params, "min_samples", Math.min(3, n), 1, 64),
      weighted,
    } satisfies Params;
  },
  maxCalls: (p) => Number(p.n),
  async run(request: ChatRequest, ctx: StrategyContext) {
    const p = ctx.params as unknown as Params;
    const extra = p.weighted ? { logprobs: true } : {};
    const samples: Sample[] = [];
    let waves = 0;
    while (samples.length < p.n) {
      const size = p.adaptive ? Math.min(p.wave, p.n - samples.length) : p.n;
      const got = await sample(ctx, request, size, { temperature: p.temperature, extra });
      samples.push(...got);
      waves++;
      if (got.length < size || ctx.budget?.spent) break;
      if (!p.adaptive) break;
      const v = vote(samples.map((s) => s.text));
      const counts = v.tally.map((t) => t.count).sort((a, b) => b - a);
      if (adaptiveStop(p, counts[0]!, samples.length, counts[1] ?? 0)) break;
    }
    if (samples.length === 0) return emptyAnswer(ctx);
    const weights = p.weighted ? samples.map((s) => Math.exp(meanLogprob(s))) : undefined;
    const result = vote(samples.map((s) => s.text), weights);
    if (ctx.report) {
      ctx.report.samples = samples.length;
      if (p.adaptive) ctx.report.calls_saved = p.n - samples.length;
      ctx.report.agreement = Number(result.share.toFixed(4));
    }
    if (ctx.trace) {
      ctx.trace.waves = waves;
      ctx.trace.candidates = samples.map((s, i) => ({ index: i, answer: result.keys[i], text: s.text }));
      ctx.trace.votes = result.tally;
      ctx.trace.chosen = result.winner;
    }
    return answerCompletion(ctx, samples[result.winner]!);
  },
};
