/**
 * The sim's token-level language models, built once from the GSM8K text:
 *
 * - `moe`: four n-gram experts, each trained on a different quarter of the problems, behind a
 *   context-dependent gate (an expert's gate logit is how well its bigrams explain the last few
 *   tokens). The normal activation mixes the top-2 experts by gate weight (the *strong* model);
 *   a request can select other ranks, e.g. `[2]` = the single second-ranked expert (SCMoE's weak).
 * - `tiny`: a separately built weaker model, a bigram model trained on a small slice.
 *
 * Every variant boosts the names and numbers of the last question in the prefix (a cache LM in
 * spirit), so answers mention the question's names and figures.
 *
 * Every distribution is a pure function of the prefix *text* (re-tokenized), so a position scored
 * by echo, reached by generation or asked for in a fresh call gets exactly the same numbers — the
 * property that makes chunked contrastive decoding checkable against the naive loop.
 */
import { loadDocuments } from "./corpus.js";
import { NgramExpert } from "./ngram.js";
import { lmTokenize, wouldMerge } from "./tokenizer.js";

/** The end-of-sequence token as it appears in logprobs. */
export const EOS_TOKEN = "<|endoftext|>";
export const EXPERTS = 4;
const VOCAB_SIZE = 800;
/** Tokens of context the gate looks at. */
const GATE_WINDOW = 6;
/** Characters of prefix re-tokenized to find the context (the context is the last few tokens). */
const TAIL_CHARS = 240;
/** Boost of the question's names and numbers: p(t) × (1 + CACHE_BOOST·count), renormalised. */
const CACHE_BOOST = 4;
/** Vocabulary ranks below this are function words the cache ignores. */
const CACHE_SKIP_TOP = 150;

export type LmVariant = "moe" | "tiny";

export interface Distribution {
  /** log p per id (ids < vocab.length are tokens, id = vocab.length is EOS); -Infinity = masked. */
  logp: Float64Array;
}

export class TokenLm {
  /** Token strings by id; EOS is `tokens.length`. */
  readonly tokens: string[];
  readonly eos: number;
  private readonly ids = new Map<string, number>();
  private readonly unk: number;
  private readonly bos: number;
  private readonly experts: NgramExpert[] = [];
  private readonly tiny: NgramExpert;
  private readonly cache = new Map<string, Distribution>();
  private readonly caches = new Map<string, { counts: Map<number, number>; total: number; key: string }>();

  constructor(docs: readonly string[]) {
    const tokenized = docs.map(lmTokenize);
    const counts = new Map<string, number>();
    for (const doc of tokenized) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
    this.tokens = [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, VOCAB_SIZE)
      .map(([t]) => t);
    this.tokens.forEach((t, i) => this.ids.set(t, i));
    this.eos = this.tokens.length;
    this.unk = this.eos + 1;
    this.bos = this.eos + 2;
    const size = this.eos + 1;
    const contextSize = this.bos + 1;
    const seqs = tokenized.map((doc) => [...doc.map((t) => this.idOf(t)), this.eos]);
    for (let e = 0; e < EXPERTS; e++) this.experts.push(new NgramExpert(size, contextSize));
    const quarter = Math.ceil(seqs.length / EXPERTS);
    seqs.forEach((s, i) => this.experts[Math.floor(i / quarter)]!.train(s, this.bos));
    this.tiny = new NgramExpert(size, contextSize);
    for (const s of seqs.slice(0, Math.floor(seqs.length * 0.08))) this.tiny.train(s, this.bos);
  }

  idOf(token: string): number {
    return this.ids.get(token) ?? this.unk;
  }

  /** Display string of an id (EOS included). */
  tokenOf(id: number): string {
    return id === this.eos ? EOS_TOKEN : this.tokens[id]!;
  }

  /** Context ids of a prefix: its last tokens, padded with BOS at the start of a text. */
  private context(text: string): number[] {
    const tail = text.length > TAIL_CHARS ? text.slice(-TAIL_CHARS) : text;
    let toks = lmTokenize(tail);
    if (tail.length < text.length) toks = toks.slice(1);
    const ids = toks.slice(-(GATE_WINDOW + 1)).map((t) => this.idOf(t));
    while (ids.length < GATE_WINDOW + 1 && tail.length === text.length) ids.unshift(this.bos);
    return ids;
  }

  /** Counts of the names and numbers of the last question in the prefix (the cache), and a key for it. */
  private questionCache(text: string): { counts: Map<number, number>; total: number; key: string } {
    const start = text.lastIndexOf("Question:");
    if (start < 0) return { counts: new Map(), total: 0, key: "" };
    const end = text.indexOf("\nAnswer:", start);
    const question = text.slice(start, end < 0 ? text.length : end);
    const hit = this.caches.get(question);
    if (hit) return hit;
    const counts = new Map<number, number>();
    let total = 0;
    for (const t of lmTokenize(question)) {
      const id = this.idOf(t);
      if (id >= CACHE_SKIP_TOP && id < this.eos && /^ ?([0-9]|[A-Z])/.test(t)) {
        counts.set(id, (counts.get(id) ?? 0) + 1);
        total++;
      }
    }
    const cache = { counts, total, key: [...counts.entries()].map(([id, c]) => `${id}:${c}`).join(",") };
    if (this.caches.size > 10_000) this.caches.clear();
    this.caches.set(question, cache);
    return cache;
  }

  /** Experts ordered by gate logit for this context (best first; ties by index). */
  rankExperts(ctx: readonly number[]): Array<{ expert: number; logit: number }> {
    const scored = this.experts.map((ex, expert) => {
      let logit = 0;
      for (let i = 1; i < ctx.length; i++) logit += Math.log(ex.bigram(ctx[i - 1]!, ctx[i]!));
      return { expert, logit };
    });
    return scored.sort((a, b) => b.logit - a.logit || a.expert - b.expert);
  }

  /** The next-token distribution after `text` for a variant and expert activation (1-based ranks). */
  distribution(text: string, variant: LmVariant, ranks: readonly number[]): Distribution {
    const ctx = this.context(text);
    const endsAlnum = /[A-Za-z0-9]$/.test(text);
    const qc = this.questionCache(text);
    const key = `${variant}|${ranks.join(",")}|${endsAlnum ? 1 : 0}|${ctx.join(",")}|${qc.key}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const a = ctx.at(-2) ?? this.bos;
    const b = ctx.at(-1) ?? this.bos;
    let p: Float64Array;
    if (variant === "tiny") {
      p = this.tiny.dense(this.unk, b);
    } else {
      const ranked = this.rankExperts(ctx);
      const chosen = ranks.map((r) => ranked[Math.min(Math.max(r, 1), EXPERTS) - 1]!);
      const top = Math.max(...chosen.map((c) => c.logit));
      const weights = chosen.map((c) => Math.exp(c.logit - top));
      const total = weights.reduce((s, w) => s + w, 0);
      p = new Float64Array(this.eos + 1);
      chosen.forEach((c, i) => {
        const pe = this.experts[c.expert]!.dense(a, b);
        const w = weights[i]! / total;
        for (let j = 0; j < p.length; j++) p[j]! += w * pe[j]!;
      });
    }
    for (const [id, c] of qc.counts) p[id]! *= 1 + CACHE_BOOST * c;
    // A word straight after a word would merge into one token: the model never proposes it.
    let mass = 0;
    for (let j = 0; j < this.eos; j++) {
      if (endsAlnum && wouldMerge(text, this.tokens[j]!)) p[j] = 0;
      mass += p[j]!;
    }
    mass += p[this.eos]!;
    const logp = new Float64Array(p.length);
    for (let j = 0; j < p.length; j++) logp[j] = p[j]! > 0 ? Math.log(p[j]! / mass) : -Infinity;
    const dist = { logp };
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(key, dist);
    return dist;
  }

  /** The k most likely ids, best first; ties by lower id (so greedy = `top(d, 1)[0]`). */
  top(dist: Distribution, k: number): number[] {
    const out: number[] = [];
    if (k <= 0) return out;
    const { logp } = dist;
    for (let id = 0; id < logp.length; id++) {
      const v = logp[id]!;
      if (v === -Infinity) continue;
      if (out.length === k && v <= logp[out[k - 1]!]!) continue;
      let pos = out.length < k ? out.length : k - 1;
      out[pos] = id;
      while (pos > 0 && logp[out[pos - 1]!]! < v) {
        out[pos] = out[pos - 1]!;
        out[pos - 1] = id;
        pos--;
      }
    }
    return out;
  }
}

let shared: TokenLm | null = null;

/** The LM, built on first use from the GSM8K text and kept for the process. */
export function tokenLm(): TokenLm {
  shared ??= new TokenLm(loadDocuments());
  return shared;
}
