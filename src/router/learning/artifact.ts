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

/** An artifact made ready for scoring (dense weights, example vectors). */
export interface LoadedArtifact {
  artifact: RouterArtifact;
  weights: Float64Array[];
  examples: Array<{ vector: SparseVector; quality: number[]; text: string }>;
  /** knn: inverted index bucket → postings, and each example's norm. */
  postings: Map<number, Posting>;
  norms: Float64Array;
}

/** Examples containing one bucket, with their values. */
export interface Posting {
  ids: Int32Array;
  vals: Float64Array;
}

export interface KnnIndex {
  postings: Map<number, Posting>;
  norms: Float64Array;
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
  return { artifact: a, weights, examples, ...invertedIndex(examples.map((e) => e.vector)) };
}

/**
 * Builds the knn inverted index so a query touches only examples sharing a bucket with it. Common
 * buckets are kept: pruning them (an IDF-style cut at 10% or 30% of examples) cost 0.06–0.08 APGR
 * on mmlu-dev, so the similarity needs the function words and question format too.
 */
export function invertedIndex(vectors: SparseVector[]): KnnIndex {
  const lists = new Map<number, Array<[number, number]>>();
  const norms = vectors.map((v, e) => {
    let n = 0;
    v.idx.forEach((i, k) => {
      const val = v.val[k]!;
      n += val * val;
      let list = lists.get(i);
      if (!list) lists.set(i, (list = []));
      list.push([e, val]);
    });
    return Math.sqrt(n) || 1;
  });
  // Typed posting arrays: a query walks them without chasing pointers.
  const postings = new Map<number, Posting>();
  for (const [i, list] of lists) postings.set(i, { ids: Int32Array.from(list, (x) => x[0]), vals: Float64Array.from(list, (x) => x[1]) });
  return { postings, norms: Float64Array.from(norms) };
}

/** Cosine similarity of `query` with every indexed example. */
export function cosineAll(query: SparseVector, postings: Map<number, Posting>, norms: Float64Array): Float64Array {
  const dots = new Float64Array(norms.length);
  let qn = 0;
  for (let k = 0; k < query.idx.length; k++) {
    const qv = query.val[k]!;
    qn += qv * qv;
    const p = postings.get(query.idx[k]!);
    if (!p) continue;
    const { ids, vals } = p;
    for (let j = 0; j < ids.length; j++) dots[ids[j]!]! += qv * vals[j]!;
  }
  qn = Math.sqrt(qn) || 1;
  for (let e = 0; e < dots.length; e++) dots[e] = dots[e]! / (qn * norms[e]!);
  return dots;
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
  return knnQuality(cosineAll(vector, loaded.postings, loaded.norms), loaded.examples, k, a.labels.length);
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
