/**
 * Multi-output logistic regression over sparse vectors: one independent binary model per
 * candidate ("does this model answer this prompt well?"), trained by full-batch Adam with L2
 * regularisation. Small, deterministic, dependency-free; the trained weights go into a JSON
 * artifact (see `classifier-artifact.ts`).
 */
import type { SparseVector } from "./vectorize.js";

export interface LogisticOptions {
  /** L2 penalty on the weights (not on the bias). */
  l2: number;
  epochs: number;
  learningRate: number;
}

export const DEFAULT_LOGISTIC: LogisticOptions = { l2: 3e-3, epochs: 150, learningRate: 0.05 };

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * Trains K outputs at once. `labels[i][k]` in [0,1] (soft labels allowed) or NaN when unknown.
 * Returns K dense weight rows of length `size`; the last structural feature is the bias.
 */
export function trainLogistic(xs: SparseVector[], labels: number[][], size: number, opts: LogisticOptions = DEFAULT_LOGISTIC): Float64Array[] {
  const K = labels[0]?.length ?? 0;
  const n = xs.length;
  const rows: Float64Array[] = [];
  const biasIndex = size - 1;
  for (let k = 0; k < K; k++) {
    const w = new Float64Array(size);
    const m = new Float64Array(size);
    const v = new Float64Array(size);
    const g = new Float64Array(size);
    // Start the bias at the base rate's log-odds: training then only learns deviations.
    let pos = 0;
    let cnt = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(labels[i]![k]!)) ((pos += labels[i]![k]!), cnt++);
    const rate = Math.min(0.99, Math.max(0.01, cnt ? pos / cnt : 0.5));
    w[biasIndex] = Math.log(rate / (1 - rate));
    const b1 = 0.9;
    const b2 = 0.999;
    for (let epoch = 1; epoch <= opts.epochs; epoch++) {
      g.fill(0);
      for (let i = 0; i < n; i++) {
        const y = labels[i]![k]!;
        if (Number.isNaN(y)) continue;
        const x = xs[i]!;
        let z = 0;
        for (let j = 0; j < x.idx.length; j++) z += x.val[j]! * w[x.idx[j]!]!;
        const err = sigmoid(z) - y;
        for (let j = 0; j < x.idx.length; j++) g[x.idx[j]!]! += err * x.val[j]!;
      }
      const scale = 1 / Math.max(cnt, 1);
      for (let d = 0; d < size; d++) {
        let grad = g[d]! * scale;
        if (d !== biasIndex) grad += opts.l2 * w[d]!;
        if (grad === 0 && m[d] === 0) continue;
        m[d] = b1 * m[d]! + (1 - b1) * grad;
        v[d] = b2 * v[d]! + (1 - b2) * grad * grad;
        const mh = m[d]! / (1 - b1 ** epoch);
        const vh = v[d]! / (1 - b2 ** epoch);
        w[d]! -= (opts.learningRate * mh) / (Math.sqrt(vh) + 1e-8);
      }
    }
    rows.push(w);
  }
  return rows;
}

/** P(label = 1) for one output row. */
export function predictLogistic(x: SparseVector, w: ArrayLike<number>): number {
  let z = 0;
  for (let j = 0; j < x.idx.length; j++) z += x.val[j]! * (w[x.idx[j]!] ?? 0);
  return sigmoid(z);
}
