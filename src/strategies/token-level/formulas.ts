/**
 * The token-level scoring rules, as pure functions over two top-K logprob lists for the same
 * prefix. Both SCMoE/contrastive decoding, `(1+β)·z_s − β·z_w`, and CoRe²-style guidance,
 * `z_w + ω·(z_s − z_w)`, are `w·z_s + (1−w)·z_w` with `w = 1+β` or `w = ω`; they are evaluated
 * over the strong source's top-K support, masked to plausible tokens (`z_s ≥ log α + max z_s`).
 * Per-distribution shifts change every score by the same constant, so logprobs (normalised over
 * the whole vocabulary) and raw logits rank candidates identically. A candidate missing from the
 * weak list gets the weak list's minimum logprob — an upper bound on its true weak logprob, hence a
 * lower bound on its score: conservative for the weak-disfavoured tokens contrast promotes.
 */

/** One position's top-K logprobs: token → logprob. */
export type TopLogprobs = ReadonlyMap<string, number>;

export interface Candidate {
  token: string;
  strong: number;
  weak: number;
  score: number;
}

export interface ScoreOptions {
  /** Weight `w` of the strong source: `1+β` for contrast, `ω` for guidance. */
  strongWeight: number;
  /** Plausibility threshold α in (0, 1]. */
  alpha: number;
}

/**
 * Plausible candidates with their scores, best first. Ties are broken by the higher strong
 * logprob, then by the token string, so the order never depends on how an upstream ordered its
 * list (JSON objects reorder integer-like keys such as "48").
 */
export function scoreCandidates(strong: TopLogprobs, weak: TopLogprobs, { strongWeight, alpha }: ScoreOptions): Candidate[] {
  let maxStrong = -Infinity;
  for (const z of strong.values()) if (z > maxStrong) maxStrong = z;
  let minWeak = Infinity;
  for (const z of weak.values()) if (z < minWeak) minWeak = z;
  // No weak list at all: the weak term is the same constant for every candidate.
  if (minWeak === Infinity) minWeak = 0;
  const threshold = Math.log(alpha) + maxStrong;
  const out: Candidate[] = [];
  for (const [token, zs] of strong) {
    if (zs < threshold) continue;
    const zw = weak.get(token) ?? minWeak;
    out.push({ token, strong: zs, weak: zw, score: strongWeight * zs + (1 - strongWeight) * zw });
  }
  return out.sort(compareCandidates);
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return b.score - a.score || b.strong - a.strong || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0);
}

/**
 * The decided token: the best candidate when `temperature` is 0, else a draw from
 * softmax(score / temperature) over the plausible candidates using the uniform number `u`.
 */
export function chooseToken(candidates: readonly Candidate[], temperature: number, u: number): string {
  if (candidates.length === 0) throw new Error("no candidates: the strong top-K list is empty");
  if (temperature <= 0 || candidates.length === 1) return candidates[0]!.token;
  const top = candidates[0]!.score;
  const weights = candidates.map((c) => Math.exp((c.score - top) / temperature));
  const total = weights.reduce((s, w) => s + w, 0);
  let acc = 0;
  for (let i = 0; i < candidates.length; i++) {
    acc += weights[i]! / total;
    if (u < acc) return candidates[i]!.token;
  }
  return candidates.at(-1)!.token;
}

/** Convenience: score and choose in one step. */
export function decideToken(strong: TopLogprobs, weak: TopLogprobs, options: ScoreOptions, temperature = 0, u = 0): string {
  return chooseToken(scoreCandidates(strong, weak, options), temperature, u);
}
