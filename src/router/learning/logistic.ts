/**
 * Multi-output logistic regression over sparse vectors: one independent binary model per
 * candidate ("does this model answer this prompt well?"), trained by full-batch Adam with L2
 * regularisation. Small, deterministic, dependency-free; the trained weights go into a JSON
 * artifact (see `artifact.ts`).
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
 * Returns K dense weight rows of length `size`; the last structural feature is the bias. The rows
 * are packed once into flat typed arrays (CSR), and each epoch makes one pass over them for all K
 * outputs together.
 */
export function trainLogistic(xs: SparseVector[], labels: number[][], size: number, opts: LogisticOptions = DEFAULT_LOGISTIC): Float64Array[] {
  const K = labels[0]?.length ?? 0;
  const n = xs.length;
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + xs[i]!.idx.length;
  const idx = new Int32Array(start[n]!);
  const val = new Float64Array(start[n]!);
  xs.forEach((x, i) => {
    idx.set(x.idx, start[i]!);
    val.set(x.val, start[i]!);
  });
  const y = new Float64Array(n * K);
  labels.forEach((row, i) => row.forEach((v, k) => (y[i * K + k] = v)));
  const biasIndex = size - 1;
  // Weights, gradients and Adam moments for all outputs, row-major by output.
  const w = new Float64Array(K * size);
  const g = new Float64Array(K * size);
  const m = new Float64Array(K * size);
  const v = new Float64Array(K * size);
  const counts = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    // Start the bias at the base rate's log-odds: training then only learns deviations.
    let pos = 0;
    for (let i = 0; i < n; i++) if (!Number.isNaN(y[i * K + k]!)) ((pos += y[i * K + k]!), counts[k]!++);
    const rate = Math.min(0.99, Math.max(0.01, counts[k] ? pos / counts[k]! : 0.5));
    w[k * size + biasIndex] = Math.log(rate / (1 - rate));
  }
  const b1 = 0.9;
  const b2 = 0.999;
  const err = new Float64Array(K);
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const from = start[i]!;
      const to = start[i + 1]!;
      for (let k = 0; k < K; k++) {
        const yk = y[i * K + k]!;
        if (Number.isNaN(yk)) {
          err[k] = 0;
          continue;
        }
        const off = k * size;
        let z = 0;
        for (let j = from; j < to; j++) z += val[j]! * w[off + idx[j]!]!;
        err[k] = sigmoid(z) - yk;
      }
      for (let k = 0; k < K; k++) {
        const e = err[k]!;
        if (e === 0) continue;
        const off = k * size;
        for (let j = from; j < to; j++) g[off + idx[j]!]! += e * val[j]!;
      }
    }
    const c1 = 1 - b1 ** epoch;
    const c2 = 1 - b2 ** epoch;
    for (let k = 0; k < K; k++) {
      const scale = 1 / Math.max(counts[k]!, 1);
      const off = k * size;
      for (let d = 0; d < size; d++) {
        const at = off + d;
        let grad = g[at]! * scale;
        if (d !== biasIndex) grad += opts.l2 * w[at]!;
        if (grad === 0 && m[at] === 0) continue;
        m[at] = b1 * m[at]! + (1 - b1) * grad;
        v[at] = b2 * v[at]! + (1 - b2) * grad * grad;
        w[at]! -= (opts.learningRate * (m[at]! / c1)) / (Math.sqrt(v[at]! / c2) + 1e-8);
      }
    }
  }
  return Array.from({ length: K }, (_, k) => w.slice(k * size, (k + 1) * size));
}

/** P(label = 1) for one output row. */
export function predictLogistic(x: SparseVector, w: ArrayLike<number>): number {
  let z = 0;
  for (let j = 0; j < x.idx.length; j++) z += x.val[j]! * (w[x.idx[j]!] ?? 0);
  return sigmoid(z);
}
