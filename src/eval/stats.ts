/**
 * Statistics for the eval report: percentiles, the Wilson interval of an accuracy, and the
 * majority-vote prediction — the accuracy self-consistency with k samples should reach given the
 * per-question answer distributions observed in a larger pool of samples.
 */
import { seededUniforms } from "../strategies/search-math.js";

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** 95% Wilson score interval for `k` successes out of `n`. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return [Math.max(0, c - h), Math.min(1, c + h)];
}

/**
 * P(plurality of k samples is correct) for one question, by drawing k of the pooled answers
 * (without replacement) many times; ties go to the answer drawn first, as in the gateway's vote.
 */
export function majorityCorrectProbability(pool: string[], correct: string, k: number, trials = 400, seed = 1): number {
  if (pool.length === 0) return 0;
  const r = seededUniforms(seed);
  let wins = 0;
  for (let t = 0; t < trials; t++) {
    const bag = [...pool];
    const draw: string[] = [];
    for (let i = 0; i < Math.min(k, bag.length); i++) draw.push(bag.splice(Math.floor(r() * bag.length), 1)[0]!);
    const counts = new Map<string, number>();
    for (const a of draw) counts.set(a, (counts.get(a) ?? 0) + 1);
    let best = draw[0]!;
    for (const a of draw) if (counts.get(a)! > counts.get(best)!) best = a;
    if (best === correct) wins++;
  }
  return wins / trials;
}
