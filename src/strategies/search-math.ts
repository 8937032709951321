/**
 * The numeric core of the search strategies, as pure functions so they can be checked against
 * hand-computed cases: PRM score aggregation, the inverse-sigmoid log-weights and softmax of
 * particle filtering, multinomial resampling, REBASE's width allocation, and the Beta-posterior
 * confidence used by adaptive self-consistency.
 */

export type Aggregation = "last" | "min" | "prod" | "mean";

/** One score from a solution's step scores. */
export function aggregate(scores: number[], how: Aggregation): number {
  if (scores.length === 0) return 0.5;
  switch (how) {
    case "last":
      return scores.at(-1)!;
    case "min":
      return Math.min(...scores);
    case "prod":
      return scores.reduce((a, b) => a * b, 1);
    case "mean":
      return scores.reduce((a, b) => a + b, 0) / scores.length;
  }
}

/** `log r − log(1−r)`, with r clamped away from 0 and 1. */
export function inverseSigmoid(r: number): number {
  const x = Math.min(1 - 1e-6, Math.max(1e-6, r));
  return Math.log(x) - Math.log(1 - x);
}

/** softmax(values / temperature). */
export function softmax(values: number[], temperature = 1): number[] {
  const scaled = values.map((v) => v / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Particle weights from rewards: softmax(inverseSigmoid(r) / τ). */
export function particleWeights(rewards: number[], tau = 1): number[] {
  return softmax(rewards.map(inverseSigmoid), tau);
}

/** Multinomial resampling: index i is drawn for each uniform u by the cumulative weights. */
export function resample(weights: number[], uniforms: number[]): number[] {
  const cumulative: number[] = [];
  let acc = 0;
  for (const w of weights) cumulative.push((acc += w));
  return uniforms.map((u) => {
    const x = u * acc;
    const i = cumulative.findIndex((c) => x < c);
    return i < 0 ? weights.length - 1 : i;
  });
}

/**
 * REBASE: splits `width` over live nodes by softmax(score/T), handing out `ceil(w·width)` shares
 * greedily from the best node until the width is used up. Returns children per node (input order).
 */
export function allocateWidth(scores: number[], width: number, temperature = 0.2): number[] {
  const weights = softmax(scores, temperature);
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  const out = scores.map(() => 0);
  let left = width;
  for (const i of order) {
    if (left <= 0) break;
    const share = Math.min(left, Math.ceil(weights[i]! * width));
    out[i] = share;
    left -= share;
  }
  return out;
}

/** P(p > 1/2) for p ~ Beta(1 + agree, 1 + disagree): the adaptive stop's confidence. */
export function betaConfidence(agree: number, disagree: number): number {
  // For integer a, b: P(Beta(a,b) > x) = P(Binomial(a+b−1, x) ≤ a−1), here with x = 1/2.
  const a = agree + 1;
  const n = agree + disagree + 1;
  let logC = 0;
  let sum = 0;
  for (let k = 0; k <= a - 1; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    sum += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, sum);
}

/** A small deterministic PRNG (mulberry32) so resampling is reproducible under a seed. */
export function seededUniforms(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
