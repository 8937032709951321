/**
 * The trained-router artifact: a small JSON file written by `octoroute router train` and loaded by
 * a `classifier` or `knn` route. It holds the model labels, the hashed-feature size, the weights
 * (classifier) or labelled examples (knn), mean costs per label, and a calibration table (scores on
 * held-out folds) that turns the `quality` knob into a threshold with a meaning: the expected share
 * of traffic sent to the strong model.
 */
import { z } from "zod";
import { quantile } from "./eval.js";
import { textFeatures } from "../features.js";
import { type KnnIndex, knnIndex } from "./knn-index.js";
import { predictLogistic } from "./logistic.js";
import { type SparseVector, vectorize } from "./vectorize.js";

export const artifactSchema = z.looseObject({
  kind: z.literal("octoroute-router"),
  version: z.literal(1),
  router: z.enum(["classifier", "knn"]),
  /** Strong/weak pair data (labels `strong`, `weak`) or multi-model data. */
  pair: z.boolean(),
  labels: z.array(z.string()).min(1),
  dims: z.number().int().min(16),
  /** Classifier: one sparse weight row per label, `[index, weight]` pairs. */
  weights: z.array(z.array(z.tuple([z.number().int(), z.number()]))).optional(),
  /** knn: examples with their quality per label (text bounded; vectors rebuilt on load). */
  examples: z.array(z.strictObject({ text: z.string(), quality: z.array(z.number()) })).optional(),
  /** Mean cost per label in USD, when the data had costs. */
  meanCost: z.array(z.number()).optional(),
  /** Pair routers: 101 quantiles (0%..100%) of held-out scores; threshold for share s = calibration[round(100·(1−s))]. */
  calibration: z.array(z.number()).optional(),
  trained: z.looseObject({}).optional(),
});
export type RouterArtifact = z.infer<typeof artifactSchema>;

/** An artifact made ready for scoring (dense weights, example vectors and their similarity index). */
export interface LoadedArtifact {
  artifact: RouterArtifact;
  weights: Float64Array[];
  examples: Array<{ vector: SparseVector; quality: number[]; text: string }>;
  /** knn: cosine of a query with every example (see `knn-index.ts`). */
  index: KnnIndex;
}

export function loadArtifact(raw: unknown, where = "artifact"): LoadedArtifact {
  const parsed = artifactSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${where}: not an octoroute router artifact (${parsed.error.issues[0]?.message})`);
  const a = parsed.data;
  const size = a.dims + 16;
  const weights = (a.weights ?? []).map((row) => {
    const w = new Float64Array(size);
    for (const [i, v] of row) w[i] = v;
    return w;
  });
  if (a.router === "classifier" && weights.length !== a.labels.length) throw new Error(`${where}: needs one weight row per label`);
  const examples = (a.examples ?? []).map((e) => ({ vector: vectorize(textFeatures(e.text), a.dims), quality: e.quality, text: e.text }));
  if (a.router === "knn" && !examples.length) throw new Error(`${where}: a knn artifact needs examples`);
  return { artifact: a, weights, examples, index: knnIndex(a.router === "knn" ? examples.map((e) => e.vector) : []) };
}

/** Dense rows → sparse `[index, weight]` pairs rounded to 5 significant digits (keeps the file small). */
export function sparseRows(rows: Float64Array[], epsilon = 1e-4): Array<Array<[number, number]>> {
  return rows.map((w) => {
    const out: Array<[number, number]> = [];
    w.forEach((v, i) => {
      if (Math.abs(v) >= epsilon) out.push([i, Number(v.toPrecision(5))]);
    });
    return out;
  });
}

/** Similarity-weighted neighbours (RouteLLM sw-ranking style): weight = γ^(1 + 9·sim/maxSim) over the top k. */
export function knnQuality(sims: ArrayLike<number>, examples: Array<{ quality: number[] }>, k: number, labels: number, gamma = 10): number[] {
  // Top k by similarity with a small insertion-sorted buffer (no full sort per query).
  const top: number[] = [];
  for (let i = 0; i < sims.length; i++) {
    const s = sims[i]!;
    if (top.length === k && s <= sims[top[k - 1]!]!) continue;
    let j = top.length < k ? top.length : k - 1;
    while (j > 0 && sims[top[j - 1]!]! < s) {
      if (j < k) top[j] = top[j - 1]!;
      j--;
    }
    top[j] = i;
  }
  const max = Math.max(top.length ? sims[top[0]!]! : 1, 1e-9);
  const out = new Array<number>(labels).fill(0);
  let total = 0;
  for (const i of top) {
    const w = gamma ** (1 + 9 * (Math.max(sims[i]!, 0) / max));
    total += w;
    const q = examples[i]!.quality;
    for (let l = 0; l < labels; l++) out[l]! += w * (q[l] ?? 0);
  }
  return out.map((v) => (total ? v / total : 0));
}

/** Per-label predicted quality for a vector (classifier: P(answers well); knn: weighted neighbour quality). */
export function predictQuality(loaded: LoadedArtifact, vector: SparseVector, k = 20): number[] {
  const a = loaded.artifact;
  if (a.router === "classifier") return loaded.weights.map((w) => predictLogistic(vector, w));
  return knnQuality(loaded.index.cosine(vector), loaded.examples, k, a.labels.length);
}

/** Pair score (higher → strong): predicted strong quality minus weak quality. */
export function pairScore(labels: string[], quality: number[]): number {
  return (quality[labels.indexOf("strong")] ?? 0) - (quality[labels.indexOf("weak")] ?? 0);
}

/** The 101-point calibration table of a set of held-out scores. */
export function calibrationTable(scores: number[]): number[] {
  const sorted = [...scores].sort((a, b) => a - b);
  return Array.from({ length: 101 }, (_, i) => Number(quantile(sorted, i / 100).toPrecision(6)));
}

/** Threshold that sends about `share` of traffic to the strong model (RouteLLM calibration). */
export function thresholdForShare(calibration: number[], share: number): number {
  const pos = Math.min(100, Math.max(0, (1 - share) * 100));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return calibration[lo]! + (calibration[hi]! - calibration[lo]!) * (pos - lo);
}
