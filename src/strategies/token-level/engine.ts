/**
 * The decoding loops. `chunkedDecode` is the production loop: the strong source proposes a chunk
 * of greedy tokens with top-K lists, the weak source scores the same chunk in one call, and the
 * prefix up to the first position where the combined choice differs from the strong token is
 * accepted, plus the combined token there. `naiveDecode` asks both sources about every single
 * position (two calls per token); it stays as the reference the chunked loop must equal exactly
 * (greedy, and sampled with the same seed: both draw one uniform number per decided position).
 *
 * Both yield decided tokens as they are decided, so callers stream them; both stop between calls
 * when the signal aborts (in-flight calls are aborted by the ModelClient through the same signal).
 * Guidance's window: contrast for the first `window` tokens (or until `until` appears), then one
 * plain streamed call to the strong source finishes the answer.
 */
import { chooseToken, scoreCandidates, type TopLogprobs } from "./formulas.js";
import { EOS, type TokenSource } from "./source.js";
import type { Abortable } from "../../api/request-signal.js";

export interface DecodeOptions {
  /** `1+β` (contrast) or `ω` (guidance). */
  strongWeight: number;
  alpha: number;
  /** 0 = greedy. */
  temperature: number;
  /** Uniform numbers in [0,1), one per decided position when sampling. */
  random: () => number;
  seed?: number;
  maxTokens: number;
  /**
   * Greedy tokens the strong source proposes per round trip, or "auto": sized from the agreement
   * seen so far (see `autoChunk`). Any sizes give the same output; they trade calls for wasted tokens.
   */
  chunkSize: number | "auto";
  /** Guidance: contrast only for this many tokens, then plain strong decoding. */
  window?: number;
  /** Guidance: also end the window once the answer contains this text. */
  until?: string;
  /** Stop sequences: decoding ends once the answer contains one. */
  stop: string[];
  signal: Abortable;
}

export type Finish = "stop" | "length";

export type TokenEvent = { type: "token"; text: string; phase: "contrast"; agreed: boolean } | { type: "token"; text: string; phase: "plain" };

export type DecodeEvent = TokenEvent | { type: "end"; finish: Finish };

/** Loop state shared by both loops. */
class Progress {
  text = "";
  count = 0;
  /** Positions decided by the chunked loop, and how many of them took the strong token. */
  decided = 0;
  agreed = 0;
  constructor(private readonly o: DecodeOptions) {}

  get stopped(): boolean {
    return this.o.stop.some((s) => this.text.includes(s));
  }

  /** Still inside the contrast phase (always, unless a guidance window is set and over). */
  get contrasting(): boolean {
    if (this.o.window !== undefined && this.count >= this.o.window) return false;
    if (this.o.until !== undefined && this.text.includes(this.o.until)) return false;
    return true;
  }

  /** Positions the next contrast round may decide. */
  get budget(): number {
    const left = this.o.maxTokens - this.count;
    return this.o.window !== undefined ? Math.min(left, this.o.window - this.count) : left;
  }

  decide(strong: TopLogprobs, weak: TopLogprobs): string {
    const candidates = scoreCandidates(strong, weak, { strongWeight: this.o.strongWeight, alpha: this.o.alpha });
    return chooseToken(candidates, this.o.temperature, this.o.temperature > 0 ? this.o.random() : 0);
  }

  /** The next chunk's size. */
  chunk(): number {
    const size = this.o.chunkSize === "auto" ? autoChunk(this.decided, this.agreed) : this.o.chunkSize;
    return Math.min(size, this.budget);
  }

  check(): void {
    this.o.signal.throwIfAborted();
  }
}

/**
 * Chunk size from the agreement rate a seen so far (Laplace-smoothed, starting at 16 tokens): a
 * chunk decides about 1/(1−a) tokens before the first disagreement; proposing four times that
 * (disagreements cluster, so runs are longer-tailed than geometric) rarely cuts a run short by the
 * chunk's length, while bounding the proposed tokens thrown away at low agreement.
 */
export function autoChunk(decided: number, agreed: number): number {
  if (decided === 0) return 16;
  const a = (agreed + 1) / (decided + 2);
  return Math.max(8, Math.min(64, Math.ceil(4 / (1 - a))));
}

/** Runs a contrast loop, then guidance's plain tail if the window closed, then reports how it ended. */
async function* decode(
  contrastLoop: (p: Progress) => AsyncGenerator<TokenEvent, Finish | null>,
  strong: TokenSource,
  o: DecodeOptions,
): AsyncGenerator<DecodeEvent> {
  const p = new Progress(o);
  const ended = yield* contrastLoop(p);
  const finish = ended ?? (yield* plainTail(strong, p, o));
  yield { type: "end", finish };
}

/** After the contrast phase: plain decoding by the strong source (guidance), or the end. */
async function* plainTail(strong: TokenSource, p: Progress, o: DecodeOptions): AsyncGenerator<TokenEvent, Finish> {
  if (p.stopped) return "stop";
  const left = o.maxTokens - p.count;
  if (left <= 0) return "length";
  const pieces = strong.plain(p.text, left, { temperature: o.temperature, seed: o.seed, stop: o.stop });
  for (;;) {
    const next = await pieces.next();
    if (next.done) return next.value ? "stop" : "length";
    p.text += next.value;
    p.count++;
    yield { type: "token", text: next.value, phase: "plain" };
  }
}

/** The chunked loop (production). Returns how the answer ended, or null when the window closed. */
export function chunkedDecode(strong: TokenSource, weak: TokenSource, o: DecodeOptions): AsyncGenerator<DecodeEvent> {
  return decode(
    async function* (p) {
      while (p.contrasting && p.budget > 0) {
        p.check();
        const chunk = await strong.chunk(p.text, p.chunk());
        if (chunk.steps.length === 0) return "stop";
        p.check();
        const weakTops = await weak.score(
          p.text,
          chunk.steps.map((s) => s.token),
        );
        let accepted = 0;
        for (let j = 0; j < chunk.steps.length; j++) {
          const step = chunk.steps[j]!;
          // The strong source ended without showing its distribution there: the answer ends.
          if (step.top.size === 0) return "stop";
          const token = p.decide(step.top, weakTops[j]!);
          if (token === EOS) return "stop";
          const agreed = token === step.token;
          p.text += token;
          p.count++;
          p.decided++;
          if (agreed) p.agreed++;
          yield { type: "token", text: token, phase: "contrast", agreed };
          if (p.stopped) return "stop";
          if (!agreed) break;
          accepted++;
        }
        // Every proposed token accepted, but the upstream stopped without an EOS entry to contrast.
        if (accepted === chunk.steps.length && chunk.stopped && chunk.steps.at(-1)!.token !== EOS) return "stop";
      }
      return p.contrasting ? "length" : null;
    },
    strong,
    o,
  );
}

/** The strong source's own greedy choice at a position (for agreement statistics). */
function strongGreedy(top: TopLogprobs): string | undefined {
  let best: string | undefined;
  let bestLp = -Infinity;
  for (const [token, lp] of top) if (lp > bestLp || (lp === bestLp && best !== undefined && token < best)) [best, bestLp] = [token, lp];
  return best;
}

/** The naive loop (reference): both sources asked about every position, two calls per token. */
export function naiveDecode(strong: TokenSource, weak: TokenSource, o: DecodeOptions): AsyncGenerator<DecodeEvent> {
  return decode(
    async function* (p) {
      while (p.contrasting && p.budget > 0) {
        p.check();
        const [s, w] = await Promise.all([strong.step(p.text), weak.step(p.text)]);
        if (s.size === 0) return "stop";
        const token = p.decide(s, w);
        if (token === EOS) return "stop";
        p.text += token;
        p.count++;
        yield { type: "token", text: token, phase: "contrast", agreed: token === strongGreedy(s) };
        if (p.stopped) return "stop";
      }
      return p.contrasting ? "length" : null;
    },
    strong,
    o,
  );
}
