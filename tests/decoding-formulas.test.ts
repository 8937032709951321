/**
 * The token-level scoring rules against hand-computed cases: the plausibility mask, tokens missing
 * from the weak list, ties, shift invariance, guidance = contrast with ω = 1+β, sampling, and
 * stop-sequence hold-back. Pure functions, no network.
 */
import { describe, expect, it } from "vitest";
import { autoChunk } from "../src/strategies/token-level/engine.js";
import { chooseToken, decideToken, scoreCandidates } from "../src/strategies/token-level/formulas.js";
import { StopFilter } from "../src/strategies/token-level/output.js";

const ln = Math.log;
const lists = (o: Record<string, number>) => new Map(Object.entries(o).map(([t, p]) => [t, ln(p)]));
const contrast = { strongWeight: 1.5, alpha: 0.1 };

describe("contrast scores", () => {
  it("masks implausible tokens and promotes what the weak source over-likes less", () => {
    const strong = lists({ a: 0.6, b: 0.3, c: 0.05, d: 0.05 });
    const weak = lists({ a: 0.9, b: 0.05, c: 0.05 });
    const scored = scoreCandidates(strong, weak, contrast);
    // Threshold log(0.1) + log(0.6) = log(0.06): c and d (0.05) are masked.
    expect(scored.map((c) => c.token)).toEqual(["b", "a"]);
    // b: 1.5·ln .3 − .5·ln .05 = −0.30809; a: 1.5·ln .6 − .5·ln .9 = −0.71355.
    expect(scored[0]!.score).toBeCloseTo(-0.30809, 4);
    expect(scored[1]!.score).toBeCloseTo(-0.71355, 4);
    // β = 0 (w = 1) is plain greedy on the strong source.
    expect(decideToken(strong, weak, { strongWeight: 1, alpha: 0.1 })).toBe("a");
  });

  it("gives a token missing from the weak list the weak list's minimum logprob", () => {
    const strong = lists({ a: 0.5, b: 0.4 });
    const weak = lists({ a: 0.7, z: 0.1, y: 0.2 });
    const [first, second] = scoreCandidates(strong, weak, contrast);
    expect(first!.token).toBe("b");
    expect(first!.weak).toBeCloseTo(ln(0.1), 12);
    // b: 1.5·ln .4 − .5·ln .1 = −0.22314; a: 1.5·ln .5 − .5·ln .7 = −0.86137.
    expect(first!.score).toBeCloseTo(-0.22314, 4);
    expect(second!.score).toBeCloseTo(-0.86137, 4);
  });

  it("with no weak list at all, decides like the strong source", () => {
    expect(decideToken(lists({ a: 0.3, b: 0.7 }), new Map(), contrast)).toBe("b");
  });

  it("breaks ties by the strong logprob, then by the token, never by list order", () => {
    // Same score: x has strong .4/weak .4 and y strong .2 weak .05: 1.5·ln .4 − .5·ln .4 = ln .4;
    // 1.5·ln .2 − .5·ln .05 = ln(.2^1.5 / .05^.5) = ln .4. Higher strong wins.
    const strong = lists({ y: 0.2, x: 0.4 });
    const weak = lists({ y: 0.05, x: 0.4 });
    const scored = scoreCandidates(strong, weak, contrast);
    expect(scored[0]!.score).toBeCloseTo(scored[1]!.score, 12);
    expect(scored[0]!.token).toBe("x");
    // Identical entries: the token string decides, whatever the insertion order.
    const tie1 = new Map([["48", -1], [" the", -1]]);
    const tie2 = new Map([[" the", -1], ["48", -1]]);
    expect(decideToken(tie1, new Map(), contrast)).toBe(" the");
    expect(decideToken(tie2, new Map(), contrast)).toBe(" the");
  });

  it("is shift-invariant per distribution (logits or logprobs rank alike)", () => {
    const strong = lists({ a: 0.5, b: 0.3, c: 0.2 });
    const weak = lists({ a: 0.8, b: 0.1, c: 0.1 });
    const shift = (m: Map<string, number>, k: number) => new Map([...m].map(([t, v]) => [t, v + k]));
    const base = scoreCandidates(strong, weak, contrast).map((c) => c.token);
    expect(scoreCandidates(shift(strong, 3.7), shift(weak, -12.1), contrast).map((c) => c.token)).toEqual(base);
  });

  it("guidance z_w + ω(z_s − z_w) ranks exactly like contrast with β = ω − 1", () => {
    const strong = lists({ a: 0.45, b: 0.35, c: 0.2 });
    const weak = lists({ a: 0.2, b: 0.6, c: 0.2 });
    const omega = 1.5;
    const guided = scoreCandidates(strong, weak, { strongWeight: omega, alpha: 0.1 });
    for (const c of guided) expect(c.score).toBeCloseTo(c.weak + omega * (c.strong - c.weak), 12);
    // a: −0.39304, b: −1.31932, c: ln .2 = −1.60944.
    expect(guided.map((c) => c.token)).toEqual(["a", "b", "c"]);
    expect(guided[1]!.score).toBeCloseTo(-1.31932, 4);
  });

  it("samples from softmax(score / T) over the plausible tokens", () => {
    const scored = scoreCandidates(lists({ a: 0.6, b: 0.4, c: 0.01 }), lists({ a: 0.6, b: 0.4 }), contrast);
    expect(scored.map((c) => c.token)).toEqual(["a", "b"]);
    const pa = 1 / (1 + Math.exp(scored[1]!.score - scored[0]!.score));
    expect(chooseToken(scored, 1, pa - 1e-9)).toBe("a");
    expect(chooseToken(scored, 1, pa + 1e-9)).toBe("b");
    expect(chooseToken(scored, 0, 0.999)).toBe("a");
  });
});

describe("stop sequences", () => {
  it("holds back text that may still become a stop sequence and cuts at it", () => {
    const f = new StopFilter(["\n####"]);
    expect(f.push("So 5")).toBe("");
    // Up to 4 characters (a stop sequence's length − 1) stay held back.
    expect(f.push(" apples")).toBe("So 5 ap");
    expect(f.push("\n##")).toBe("ple");
    expect(f.push("## 5")).toBe("s");
    expect(f.end()).toBe("");
    const g = new StopFilter([]);
    expect(g.push("abc")).toBe("abc");
    expect(g.end()).toBe("");
  });
});

describe("automatic chunk size", () => {
  it("starts at 16 and follows the agreement rate within [8, 64]", () => {
    expect(autoChunk(0, 0)).toBe(16);
    // a = 91/102 ≈ 0.892 → 4 / 0.108 ≈ 37.
    expect(autoChunk(100, 90)).toBe(Math.ceil(4 / (1 - 91 / 102)));
    expect(autoChunk(1000, 999)).toBe(64);
    expect(autoChunk(100, 10)).toBe(8);
  });
});
