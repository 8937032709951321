/**
 * Turns request features into a sparse numeric vector for the learned routers (classifier, knn
 * without an embeddings model): hashed word unigrams and bigrams plus hashed character 4-grams of
 * each word, L2-normalised, followed by a few structural features (length, math density, code,
 * tools, ...). The hashing trick keeps the vector a fixed size with no vocabulary to ship.
 */
import type { RequestFeatures } from "../features.js";

/** A sparse vector: parallel index/value arrays, indices unique. */
export interface SparseVector {
  idx: number[];
  val: number[];
}

/** Names of the structural features, in vector order after the hashed text block. */
export const STRUCTURAL = ["log_tokens", "math_density", "code_blocks", "has_tools", "json_mode", "turns", "digits_words", "bias"] as const;

/** Vector size for `dims` hashed buckets. */
export function vectorSize(dims: number): number {
  return dims + STRUCTURAL.length;
}

function fnv(text: string, from: number, to: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c >= 0x80;
}

/** Reused accumulation buffers per size (vectorize is synchronous, so one per size is enough). */
const scratch = new Map<number, { acc: Float64Array; seen: Uint8Array; touched: Int32Array }>();

function buffersFor(dims: number) {
  let b = scratch.get(dims);
  if (!b) scratch.set(dims, (b = { acc: new Float64Array(dims), seen: new Uint8Array(dims), touched: new Int32Array(dims) }));
  return b;
}

/** The hashed text block plus structural features of `f` (`dims` must be a power of two). */
export function vectorize(f: RequestFeatures, dims: number): SparseVector {
  const mask = dims - 1;
  const { acc, seen, touched } = buffersFor(dims);
  let nTouched = 0;
  const add = (h: number, w: number) => {
    const k = h & mask;
    if (!seen[k]) {
      seen[k] = 1;
      touched[nTouched++] = k;
    }
    acc[k]! += w;
  };
  const text = f.text.toLowerCase();
  let prev = -1;
  let words = 0;
  let numeric = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && !isWordChar(text.charCodeAt(i))) i++;
    const start = i;
    while (i < n && isWordChar(text.charCodeAt(i))) i++;
    if (i === start) break;
    words++;
    const c0 = text.charCodeAt(start);
    if (c0 >= 48 && c0 <= 57) numeric++;
    const h = fnv(text, start, i, 0);
    add(h, 1);
    if (prev !== -1) add(Math.imul(prev, 31) ^ h, 0.7);
    prev = h;
    // Character 4-grams of longer words: morphology survives unseen word forms.
    if (i - start > 5) for (let j = start; j + 4 <= i; j += 2) add(fnv(text, j, j + 4, 0x5bd1e995), 0.3);
  }
  let norm = 0;
  for (let t = 0; t < nTouched; t++) norm += acc[touched[t]!]! ** 2;
  norm = Math.sqrt(norm) || 1;
  const idx: number[] = new Array(nTouched);
  const val: number[] = new Array(nTouched);
  for (let t = 0; t < nTouched; t++) {
    const k = touched[t]!;
    idx[t] = k;
    val[t] = acc[k]! / norm;
    acc[k] = 0;
    seen[k] = 0;
  }
  const structural = [
    Math.log1p(f.promptTokens) / 8,
    f.mathDensity * 4,
    Math.min(f.codeBlocks, 4) / 4,
    f.hasTools ? 1 : 0,
    f.jsonMode ? 1 : 0,
    Math.min(f.turns, 10) / 10,
    words ? numeric / words : 0,
    1,
  ];
  structural.forEach((v, j) => {
    idx.push(dims + j);
    val.push(v);
  });
  return { idx, val };
}

/** Dot product of a sparse vector with a dense weight row starting at `offset`. */
export function sparseDot(x: SparseVector, w: ArrayLike<number>, offset = 0): number {
  let s = 0;
  for (let k = 0; k < x.idx.length; k++) s += x.val[k]! * (w[offset + x.idx[k]!] ?? 0);
  return s;
}

/** Cosine similarity of two sparse vectors (text block only is what matters; both include structure). */
export function sparseCosine(a: SparseVector, b: SparseVector): number {
  const m = new Map<number, number>();
  for (let k = 0; k < a.idx.length; k++) m.set(a.idx[k]!, a.val[k]!);
  let dot = 0;
  let nb = 0;
  for (let k = 0; k < b.idx.length; k++) {
    dot += (m.get(b.idx[k]!) ?? 0) * b.val[k]!;
    nb += b.val[k]! * b.val[k]!;
  }
  let na = 0;
  for (const v of a.val) na += v * v;
  return dot / (Math.sqrt(na * nb) || 1);
}
