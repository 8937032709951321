/**
 * Training for the learned routers, shared by `octoroute router train` (writes an artifact) and
 * `octoroute router eval` (k-fold cross-validation: every prompt is scored by a model that never
 * saw it). Labels are each model's quality on the prompt; the classifier learns one logistic model
 * per label, the knn router keeps the examples.
 */
import { type RouterArtifact, calibrationTable, knnQuality, pairScore, sparseRows } from "./artifact.js";
import { knnIndex } from "./knn-index.js";
import { foldOf, type RoutingDataset, type RoutingRow } from "./dataset.js";
import { boundText, textFeatures } from "../features.js";
import { DEFAULT_LOGISTIC, type LogisticOptions, predictLogistic, trainLogistic } from "./logistic.js";
import { type SparseVector, vectorize, vectorSize } from "./vectorize.js";

export type TrainableRouter = "classifier" | "knn";

export interface TrainOptions extends LogisticOptions {
  router: TrainableRouter;
  /** Hashed feature buckets (power of two). */
  dims: number;
  /** knn neighbours. */
  k: number;
  /** Folds used for the calibration table (held-out scores). */
  folds: number;
}

export const DEFAULT_TRAIN: TrainOptions = { ...DEFAULT_LOGISTIC, router: "classifier", dims: 4096, k: 20, folds: 5 };

/** Longest example text a knn artifact keeps. */
const KNN_TEXT_CHARS = 1500;

function labelMatrix(rows: RoutingRow[], labels: string[]): number[][] {
  return rows.map((r) => labels.map((l) => (r.quality[l] === undefined ? NaN : Math.min(1, Math.max(0, r.quality[l]!)))));
}

/** A fitted router over one training set: predicts per-label quality for a vector. */
type Predictor = (x: SparseVector) => number[];

function fit(rows: RoutingRow[], vectors: SparseVector[], labels: string[], opts: TrainOptions): { predict: Predictor; weights?: Float64Array[] } {
  const y = labelMatrix(rows, labels);
  if (opts.router === "classifier") {
    const weights = trainLogistic(vectors, y, vectorSize(opts.dims), opts);
    return { predict: (x) => weights.map((w) => predictLogistic(x, w)), weights };
  }
  const index = knnIndex(vectors);
  const examples = y.map((q) => ({ quality: q.map((v) => (Number.isNaN(v) ? 0 : v)) }));
  return { predict: (x) => knnQuality(index.cosine(x), examples, opts.k, labels.length) };
}

/** Out-of-fold predictions: row i is scored by a router trained on the other folds. */
export function crossValidate(ds: RoutingDataset, opts: TrainOptions, folds = 5): number[][] {
  const vectors = ds.rows.map((r) => vectorize(textFeatures(r.prompt), opts.dims));
  const out: number[][] = new Array(ds.rows.length);
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    ds.rows.forEach((r, i) => (foldOf(r.id, folds) === f ? test : train).push(i));
    if (!test.length || !train.length) continue;
    const model = fit(
      train.map((i) => ds.rows[i]!),
      train.map((i) => vectors[i]!),
      ds.models,
      opts,
    );
    for (const i of test) out[i] = model.predict(vectors[i]!);
  }
  return out;
}

/** Mean cost per label over the rows that have one. */
export function meanCosts(ds: RoutingDataset): number[] | undefined {
  if (ds.kind !== "multi") return undefined;
  return ds.models.map((m) => {
    let s = 0;
    let n = 0;
    for (const r of ds.rows) if (r.cost?.[m] !== undefined) ((s += r.cost[m]!), n++);
    return n ? s / n : 0;
  });
}

/** Trains on the whole dataset and packs the artifact (with a calibration table from held-out scores). */
export function trainArtifact(ds: RoutingDataset, opts: TrainOptions, source = "data"): RouterArtifact {
  const vectors = ds.rows.map((r) => vectorize(textFeatures(r.prompt), opts.dims));
  const model = fit(ds.rows, vectors, ds.models, opts);
  let calibration: number[] | undefined;
  if (ds.kind === "pair") {
    const held = crossValidate(ds, opts, opts.folds);
    calibration = calibrationTable(held.filter(Boolean).map((q) => pairScore(ds.models, q)));
  }
  return {
    kind: "octoroute-router",
    version: 1,
    router: opts.router,
    pair: ds.kind === "pair",
    labels: ds.models,
    dims: opts.dims,
    ...(model.weights ? { weights: sparseRows(model.weights) } : {}),
    ...(opts.router === "knn"
      ? { examples: ds.rows.map((r) => ({ text: boundText(r.prompt, KNN_TEXT_CHARS), quality: ds.models.map((m) => r.quality[m] ?? 0) })) }
      : {}),
    ...(meanCosts(ds) ? { meanCost: meanCosts(ds) } : {}),
    ...(calibration ? { calibration } : {}),
    trained: { source, rows: ds.rows.length, l2: opts.l2, epochs: opts.epochs, k: opts.k, at: new Date().toISOString() },
  };
}
