/**
 * One n-gram "expert": an interpolated trigram model with Witten–Bell smoothing over a fixed
 * vocabulary of ids. Small and exact: `dense(a, b)` is a proper probability distribution over
 * the whole vocabulary for the context (a, b), and `bigram(b, t)` a cheap single lookup the
 * gate uses to judge how well the expert knows a context.
 */

/** Counts of what followed a context: next id → count, with totals. */
class Followers {
  readonly next = new Map<number, number>();
  total = 0;
  add(id: number): void {
    this.next.set(id, (this.next.get(id) ?? 0) + 1);
    this.total++;
  }
}

export class NgramExpert {
  private readonly unigram: Float64Array;
  private readonly bigrams = new Map<number, Followers>();
  private readonly trigrams = new Map<number, Followers>();
  private unigramProb: Float64Array | null = null;

  /** `size` = number of ids that can be predicted; context ids may go up to `contextSize`. */
  constructor(
    readonly size: number,
    private readonly contextSize: number,
  ) {
    this.unigram = new Float64Array(size);
  }

  /** Trains on one sequence of ids (context ids ≥ size are allowed but never predicted). */
  train(ids: readonly number[], bos: number): void {
    let a = bos;
    let b = bos;
    for (const t of ids) {
      if (t < this.size) {
        this.unigram[t]! += 1;
        this.followers(this.bigrams, b).add(t);
        this.followers(this.trigrams, a * this.contextSize + b).add(t);
      }
      a = b;
      b = t;
    }
    this.unigramProb = null;
  }

  private followers(map: Map<number, Followers>, key: number): Followers {
    let f = map.get(key);
    if (!f) map.set(key, (f = new Followers()));
    return f;
  }

  private unigramDist(): Float64Array {
    if (!this.unigramProb) {
      let total = 0;
      for (const c of this.unigram) total += c;
      const p = new Float64Array(this.size);
      for (let i = 0; i < this.size; i++) p[i] = (this.unigram[i]! + 1) / (total + this.size);
      this.unigramProb = p;
    }
    return this.unigramProb;
  }

  /** p(t | b) for one token (Witten–Bell bigram over add-one unigram). */
  bigram(b: number, t: number): number {
    const p1 = t < this.size ? this.unigramDist()[t]! : 1 / this.size;
    const f = this.bigrams.get(b);
    if (!f) return p1;
    const types = f.next.size;
    return ((f.next.get(t) ?? 0) + types * p1) / (f.total + types);
  }

  /** The full next-token distribution after context (a, b). */
  dense(a: number, b: number): Float64Array {
    const p = Float64Array.from(this.unigramDist());
    const f2 = this.bigrams.get(b);
    if (f2) mixIn(p, f2);
    const f3 = this.trigrams.get(a * this.contextSize + b);
    if (f3) mixIn(p, f3);
    return p;
  }
}

/** Witten–Bell step in place: p ← (counts + types·p) / (total + types). */
function mixIn(p: Float64Array, f: Followers): void {
  const types = f.next.size;
  const scale = types / (f.total + types);
  for (let i = 0; i < p.length; i++) p[i]! *= scale;
  const inv = 1 / (f.total + types);
  for (const [id, c] of f.next) p[id]! += c * inv;
}
