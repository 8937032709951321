/**
 * `bandit` router: learns online which node answers best per context bucket (domain, length, ...)
 * from `POST /v1/feedback {request_id, score}`. Thompson sampling over Beta posteriors (default)
 * or UCB1 over mean feedback. Arm statistics and decisions live in the RouterStore, so learning
 * survives restarts (SQLite on Node) and config reloads.
 */
import type { RouterConfig } from "../config/routes.js";
import type { RequestFeatures } from "./features.js";
import { type ArmStats, freshArm } from "./store.js";
import type { RouteDecision, Router, RouterContext } from "./types.js";

type BanditConfig = Extract<RouterConfig, { type: "bandit" }>;

/** The context bucket of a request, e.g. `domain=math|length=short`. */
export function contextBucket(f: RequestFeatures, keys: BanditConfig["context"]): string {
  const parts = keys.map((k) => {
    switch (k) {
      case "domain":
        return `domain=${f.domain}`;
      case "length":
        return `length=${f.promptTokens < 200 ? "short" : f.promptTokens < 2000 ? "medium" : "long"}`;
      case "tools":
        return `tools=${f.hasTools}`;
      case "language":
        return `language=${f.language}`;
      case "tenant":
        return `tenant=${f.tenant}`;
    }
  });
  return parts.join("|") || "all";
}

/** Standard normal (Box–Muller). */
function normal(rand: () => number): number {
  const u = 1 - rand();
  const v = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) sample (Marsaglia–Tsang; boosted for shape < 1). */
export function sampleGamma(shape: number, rand: () => number = Math.random): number {
  if (shape < 1) return sampleGamma(shape + 1, rand) * rand() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rand);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rand();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, rand: () => number = Math.random): number {
  const x = sampleGamma(alpha, rand);
  const y = sampleGamma(beta, rand);
  return x / (x + y);
}

/** Arm values for a decision: a Thompson draw, or the UCB1 index over feedback received. */
export function armValues(
  arms: Record<string, ArmStats>,
  nodes: string[],
  algorithm: BanditConfig["algorithm"],
  exploration: number,
  rand: () => number = Math.random,
  prior: (node: string) => number | undefined = () => undefined,
): number[] {
  // A node's configured `quality` prior counts as two pseudo-observations in its Beta posterior.
  const stats = nodes.map((n) => {
    const a = arms[n] ?? freshArm();
    const q = prior(n);
    return q === undefined ? a : { ...a, alpha: a.alpha + 2 * q, beta: a.beta + 2 * (1 - q) };
  });
  if (algorithm === "thompson") return stats.map((a) => sampleBeta(a.alpha, a.beta, rand));
  const total = stats.reduce((s, a) => s + (a.alpha + a.beta - 2), 0);
  return stats.map((a) => {
    const n = a.alpha + a.beta - 2;
    if (n <= 0) return Number.POSITIVE_INFINITY;
    return (a.alpha - 1) / n + exploration * Math.sqrt((2 * Math.log(Math.max(total, 1))) / n);
  });
}

export function banditRouter(config: BanditConfig): Router {
  return {
    type: "bandit",
    async decide(ctx: RouterContext): Promise<RouteDecision> {
      const bucket = contextBucket(ctx.features, config.context);
      const arms = await ctx.store.arms(ctx.routeName, bucket);
      const values = armValues(arms, ctx.candidates, config.algorithm, config.exploration, Math.random, (n) => ctx.runtime.config.models[n]?.quality);
      let best = 0;
      for (let i = 1; i < values.length; i++) {
        // Ties (untried UCB arms) go to the least-pulled node, so every arm gets tried.
        const tie = values[i] === values[best] && (arms[ctx.candidates[i]!]?.pulls ?? 0) < (arms[ctx.candidates[best]!]?.pulls ?? 0);
        if (values[i]! > values[best]! || tie) best = i;
      }
      const node = ctx.candidates[best]!;
      await ctx.store.pull(ctx.routeName, bucket, node);
      await ctx.store.saveDecision({ requestId: ctx.requestId, tenant: ctx.tenant, route: ctx.routeName, bucket, node, at: Date.now() });
      const scores: Record<string, number> = {};
      ctx.candidates.forEach((c, i) => (scores[c] = Number.isFinite(values[i]) ? Math.round(values[i]! * 1e4) / 1e4 : 1e9));
      const a = arms[node] ?? freshArm();
      return { node, reason: `bandit(${config.algorithm}) ${bucket}: ${node} (feedback ${Math.round(a.alpha + a.beta - 2)}, mean ${((a.alpha) / (a.alpha + a.beta)).toFixed(2)})`, scores };
    },
  };
}
