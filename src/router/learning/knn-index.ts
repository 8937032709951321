/**
 * The knn router's similarity index: exact cosine of a query with every labelled example, fast
 * enough to decide within the 0.2 ms budget over a few thousand examples.
 *
 * Layout: an inverted index (bucket → examples holding it, with their values). Buckets held by at
 * least a quarter of the examples (function words, the prompt format, the structural features — most of
 * the work of a query) are stored as dense columns and added with WebAssembly SIMD (`f32x4`, four
 * examples per instruction); the rarer buckets stay sparse posting lists (example byte offset,
 * value) walked by a scalar WebAssembly loop (four entries a step). The result is the same cosine as the plain posting
 * walk, in float32 arithmetic: nothing is pruned or approximated (pruning common buckets cost
 * 0.06–0.08 APGR on mmlu-dev, and low-dimensional sketches changed which neighbours are found).
 *
 * Where WebAssembly cannot be compiled at run time (Cloudflare Workers refuse code generation
 * from bytes) the same postings are walked in JavaScript (float64 sums; the cosine takes about
 * 3.5× as long, a whole knn decision about 2.4×).
 */
import type { SparseVector } from "./vectorize.js";

/** Buckets held by at least this share of the examples are dense columns (1/2 to 1/8 time alike on mmlu-dev; 1/16 is slower). */
const DENSE_SHARE = 1 / 4;

export interface KnnIndex {
  /** Number of indexed examples. */
  readonly size: number;
  /** Whether the WebAssembly kernels are in use (else the JavaScript walk). */
  readonly wasm: boolean;
  /**
   * Cosine similarity of `query` with every example, in example order. The returned array is the
   * index's own buffer, overwritten by the next call: read it before calling again.
   */
  cosine(query: SparseVector): Float64Array;
}

// ---------------------------------------------------------------------------------------------
// WebAssembly kernels, assembled here (a few dozen bytes; no toolchain, no binary file).
//
//   (func $dense (param $col i32) (param $q f32) (param $dots i32) (param $bytes i32)
//     ;; dots[i..i+4] += q * col[i..i+4] for i < bytes, 16 bytes a step (f32x4)
//   (func $sparse (param $offs i32) (param $vals i32) (param $n i32) (param $q f32) (param $dots i32)
//     ;; for j < n: dots[offs[j]] += q * vals[j]   (offs are byte offsets into dots; 4 a step)
// ---------------------------------------------------------------------------------------------

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body];
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
const str = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

// Opcodes used below.
const GET = 0x20, SET = 0x21, TEE = 0x22, ADD = 0x6a, AND = 0x71, SHL = 0x74, GE_U = 0x4f, CONST = 0x41;
const BLOCK = [0x02, 0x40], LOOP = [0x03, 0x40], BR_IF = 0x0d, BR = 0x0c, END = 0x0b;
const F32_LOAD = [0x2a, 0x02, 0x00], F32_STORE = [0x38, 0x02, 0x00], I32_LOAD = [0x28, 0x02, 0x00];
const F32_ADD = 0x92, F32_MUL = 0x94;
const V_LOAD = [0xfd, 0x00, 0x04, 0x00], V_STORE = [0xfd, 0x0b, 0x04, 0x00];
const F32X4_SPLAT = [0xfd, 0x13], F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];

function body(locals: number[][], code: number[]): number[] {
  const b = [...vec(locals), ...code, END];
  return [...leb(b.length), ...b];
}

function kernelBytes(): Uint8Array<ArrayBuffer> {
  // dense: params col=0 q=1 dots=2 bytes=3; locals i=4 (i32), qv=5 (v128)
  const dense = body(
    [[1, I32], [1, V128]],
    [
      GET, 1, ...F32X4_SPLAT, SET, 5,
      ...BLOCK, ...LOOP,
      GET, 4, GET, 3, GE_U, BR_IF, 1,
      GET, 2, GET, 4, ADD,
      GET, 2, GET, 4, ADD, ...V_LOAD,
      GET, 0, GET, 4, ADD, ...V_LOAD,
      GET, 5, ...F32X4_MUL, ...F32X4_ADD,
      ...V_STORE,
      GET, 4, CONST, 16, ADD, SET, 4,
      BR, 0, END, END,
    ],
  );
  // sparse: params offs=0 vals=1 n=2 q=3 dots=4; locals p=5 (byte position), a=6, end=7, end4=8.
  // Four entries a step while they last, then one at a time.
  const entry = (offset: number) => [
    GET, 4, GET, 0, GET, 5, ADD, 0x28, 0x02, ...leb(offset), ADD, TEE, 6,
    GET, 6, ...F32_LOAD,
    GET, 1, GET, 5, ADD, 0x2a, 0x02, ...leb(offset),
    GET, 3, F32_MUL, F32_ADD,
    ...F32_STORE,
  ];
  const sparse = body(
    [[4, I32]],
    [
      GET, 2, CONST, 2, SHL, SET, 7,
      GET, 2, CONST, ...leb(-4 & 0x7f), AND, CONST, 2, SHL, SET, 8,
      ...BLOCK, ...LOOP,
      GET, 5, GET, 8, GE_U, BR_IF, 1,
      ...entry(0), ...entry(4), ...entry(8), ...entry(12),
      GET, 5, CONST, 16, ADD, SET, 5,
      BR, 0, END, END,
      ...BLOCK, ...LOOP,
      GET, 5, GET, 7, GE_U, BR_IF, 1,
      ...entry(0),
      GET, 5, CONST, 4, ADD, SET, 5,
      BR, 0, END, END,
    ],
  );
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 4, I32, F32, I32, I32, 0], [0x60, 5, I32, I32, I32, F32, I32, 0]])),
    ...section(3, vec([[0], [1]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...str("mem"), 0x02, 0], [...str("dense"), 0x00, 0], [...str("sparse"), 0x00, 1]])),
    ...section(10, vec([dense, sparse])),
  ]);
}

interface Kernels {
  mem: WebAssembly.Memory;
  dense(col: number, q: number, dots: number, bytes: number): void;
  sparse(offs: number, vals: number, n: number, q: number, dots: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernels module, or null where WebAssembly (SIMD) code generation is unavailable. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = typeof WebAssembly === "object" ? new WebAssembly.Module(kernelBytes()) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Disables the WebAssembly kernels (tests compare both paths). */
export function setKnnWasm(enabled: boolean): void {
  compiled = enabled ? undefined : null;
}

// ---------------------------------------------------------------------------------------------

interface Postings {
  /** CSR over buckets: entries of bucket b are start[b]..start[b+1]. */
  start: Int32Array;
  ids: Int32Array;
  vals: Float32Array;
  size: number;
}

function buildPostings(vectors: SparseVector[]): Postings {
  let size = 0;
  for (const v of vectors) for (const i of v.idx) if (i + 1 > size) size = i + 1;
  const start = new Int32Array(size + 1);
  for (const v of vectors) for (const i of v.idx) start[i + 1]!++;
  for (let b = 0; b < size; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, size);
  const ids = new Int32Array(start[size]!);
  const vals = new Float32Array(start[size]!);
  vectors.forEach((v, e) => {
    for (let k = 0; k < v.idx.length; k++) {
      const at = fill[v.idx[k]!]!++;
      ids[at] = e;
      vals[at] = v.val[k]!;
    }
  });
  return { start, ids, vals, size };
}

function inverseNorms(vectors: SparseVector[]): Float64Array {
  return Float64Array.from(vectors, (v) => {
    let n = 0;
    for (const x of v.val) n += x * x;
    return n ? 1 / Math.sqrt(n) : 1;
  });
}

function queryInverseNorm(query: SparseVector): number {
  let n = 0;
  for (const x of query.val) n += x * x;
  return n ? 1 / Math.sqrt(n) : 1;
}

/**
 * The cosine loop both indexes share: clear the dot products, let `addBucket` add each query
 * bucket's contribution (buckets the examples never used are skipped), then scale by both norms
 * into `out` (which may be `dots` itself).
 */
function similarityIndex(
  wasm: boolean,
  buckets: number,
  inverseNorm: Float64Array,
  dots: Float32Array | Float64Array,
  out: Float64Array,
  addBucket: (bucket: number, weight: number) => void,
): KnnIndex {
  const n = inverseNorm.length;
  return {
    size: n,
    wasm,
    cosine(query) {
      dots.fill(0);
      const qi = query.idx;
      const qv = query.val;
      for (let t = 0; t < qi.length; t++) if (qi[t]! < buckets) addBucket(qi[t]!, qv[t]!);
      const q = queryInverseNorm(query);
      for (let e = 0; e < n; e++) out[e] = dots[e]! * q * inverseNorm[e]!;
      return out;
    },
  };
}

/** The JavaScript walk (used where WebAssembly is unavailable). */
function jsIndex(vectors: SparseVector[]): KnnIndex {
  const n = vectors.length;
  const { start, ids, vals, size } = buildPostings(vectors);
  const inv = inverseNorms(vectors);
  const dots = new Float64Array(n);
  return similarityIndex(false, size, inv, dots, dots, (b, v) => {
    const to = start[b + 1]!;
    let j = start[b]!;
    for (; j + 3 < to; j += 4) {
      dots[ids[j]!]! += v * vals[j]!;
      dots[ids[j + 1]!]! += v * vals[j + 1]!;
      dots[ids[j + 2]!]! += v * vals[j + 2]!;
      dots[ids[j + 3]!]! += v * vals[j + 3]!;
    }
    for (; j < to; j++) dots[ids[j]!]! += v * vals[j]!;
  });
}

/** The WebAssembly index: dense SIMD columns for common buckets, scalar postings for the rest. */
function wasmIndex(module: WebAssembly.Module, vectors: SparseVector[]): KnnIndex {
  const n = vectors.length;
  const { start, ids, vals, size } = buildPostings(vectors);
  const inv = inverseNorms(vectors);
  const padded = (n + 3) & ~3;
  const minDense = Math.max(8, Math.ceil(n * DENSE_SHARE));
  // Per bucket: a dense column's byte address (>0), or a sparse range [from, to) into offs/vals.
  const column = new Int32Array(size);
  let denseCols = 0;
  let sparseEntries = 0;
  for (let b = 0; b < size; b++) {
    const df = start[b + 1]! - start[b]!;
    if (df >= minDense) denseCols++;
    else sparseEntries += df;
  }
  // Memory: dots | dense columns | sparse offsets | sparse values (all 16-byte aligned).
  const dotsAt = 16;
  const colsAt = dotsAt + padded * 4;
  const offsAt = colsAt + denseCols * padded * 4;
  const valsAt = offsAt + ((sparseEntries * 4 + 15) & ~15);
  const bytes = valsAt + sparseEntries * 4;
  const instance = new WebAssembly.Instance(module, {});
  const k = instance.exports as unknown as Kernels;
  const need = Math.ceil(bytes / 65536);
  const have = k.mem.buffer.byteLength / 65536;
  if (need > have) k.mem.grow(need - have);
  const buf = k.mem.buffer;
  const f32 = new Float32Array(buf);
  const i32 = new Int32Array(buf);
  const sparseFrom = new Int32Array(size);
  const sparseTo = new Int32Array(size);
  let col = 0;
  let entry = 0;
  for (let b = 0; b < size; b++) {
    const from = start[b]!;
    const to = start[b + 1]!;
    if (to - from >= minDense) {
      const at = colsAt + col++ * padded * 4;
      column[b] = at;
      for (let j = from; j < to; j++) f32[at / 4 + ids[j]!] = vals[j]!;
    } else {
      sparseFrom[b] = entry;
      for (let j = from; j < to; j++, entry++) {
        i32[offsAt / 4 + entry] = ids[j]! * 4;
        f32[valsAt / 4 + entry] = vals[j]!;
      }
      sparseTo[b] = entry;
    }
  }
  const dots = f32.subarray(dotsAt / 4, dotsAt / 4 + n);
  const dense = k.dense;
  const sparse = k.sparse;
  return similarityIndex(true, size, inv, dots, new Float64Array(n), (b, v) => {
    const at = column[b]!;
    if (at) dense(at, v, dotsAt, padded * 4);
    else {
      const from = sparseFrom[b]!;
      const count = sparseTo[b]! - from;
      if (count) sparse(offsAt + from * 4, valsAt + from * 4, count, v, dotsAt);
    }
  });
}

/** Builds the similarity index over example vectors (the knn router's examples). */
export function knnIndex(vectors: SparseVector[]): KnnIndex {
  const module = vectors.length ? kernelModule() : null;
  if (module) {
    try {
      return wasmIndex(module, vectors);
    } catch {
      // Instantiation refused (memory limits, policy): the JavaScript walk gives the same result.
    }
  }
  return jsIndex(vectors);
}
