/** The search strategies' numeric core against hand-computed cases. */
import { describe, expect, it } from "vitest";
import { adaptiveStop } from "../src/strategies/self-consistency.js";
import { aggregate, allocateWidth, betaConfidence, inverseSigmoid, particleWeights, resample, softmax } from "../src/strategies/search-math.js";
import { subsets } from "../src/strategies/plansearch.js";

describe("particle filtering", () => {
  it("weights particles by softmax of inverse-sigmoid rewards", () => {
    // r = 0.9, 0.5, 0.1 → log-odds ln9, 0, −ln9 → softmax ∝ 9 : 1 : 1/9.
    const w = particleWeights([0.9, 0.5, 0.1]);
    const z = 9 + 1 + 1 / 9;
    expect(w[0]).toBeCloseTo(9 / z, 10);
    expect(w[1]).toBeCloseTo(1 / z, 10);
    expect(w[2]).toBeCloseTo(1 / 9 / z, 10);
    // τ = 2 halves the log-odds: ∝ 3 : 1 : 1/3.
    const w2 = particleWeights([0.9, 0.5, 0.1], 2);
    expect(w2[0]).toBeCloseTo(3 / (3 + 1 + 1 / 3), 10);
    expect(inverseSigmoid(0.5)).toBe(0);
  });

  it("resamples by the cumulative weights", () => {
    // Cumulative 0.6, 0.9, 1.0.
    expect(resample([0.6, 0.3, 0.1], [0.0, 0.59, 0.61, 0.89, 0.95, 0.999])).toEqual([0, 0, 1, 1, 2, 2]);
    expect(resample([0, 1, 0], [0.1, 0.5, 0.9])).toEqual([1, 1, 1]);
  });

  it("aggregates step scores", () => {
    expect(aggregate([0.9, 0.5, 0.8], "last")).toBe(0.8);
    expect(aggregate([0.9, 0.5, 0.8], "min")).toBe(0.5);
    expect(aggregate([0.9, 0.5, 0.8], "prod")).toBeCloseTo(0.36, 12);
    expect(aggregate([0.9, 0.5, 0.8], "mean")).toBeCloseTo(2.2 / 3, 12);
  });
});

describe("REBASE width allocation", () => {
  it("splits the remaining width by softmax(score/T) in ceil shares from the best node", () => {
    // scores 0.9, 0.7, 0.1 at T = 0.2: exp(4.5), exp(3.5), exp(0.5) = 90.017, 33.115, 1.649 → weights ≈ 0.7214, 0.2654, 0.0132.
    const w = softmax([0.9, 0.7, 0.1], 0.2);
    expect(w[0]).toBeCloseTo(0.7214, 4);
    expect(w[2]).toBeCloseTo(0.0132, 4);
    // width 8: best gets ceil(5.77) = 6, next ceil(2.12) = 3 but only 2 are left, last gets 0.
    expect(allocateWidth([0.9, 0.7, 0.1], 8, 0.2)).toEqual([6, 2, 0]);
    // Order in the output follows the input; allocation follows the scores.
    expect(allocateWidth([0.1, 0.9, 0.7], 8, 0.2)).toEqual([0, 6, 2]);
    // Equal scores: ceil(16/3) = 6, 6, then the 4 left.
    expect(allocateWidth([0.5, 0.5, 0.5], 16, 0.2)).toEqual([6, 6, 4]);
    expect(allocateWidth([0.3], 5)).toEqual([5]);
  });
});

describe("adaptive self-consistency", () => {
  it("computes the Beta-posterior confidence that the leader has a majority", () => {
    // Beta(1+3, 1+0): P(p > 1/2) = 1 − 0.5^4 = 0.9375.
    expect(betaConfidence(3, 0)).toBeCloseTo(0.9375, 12);
    // Beta(1+4, 1+0): 1 − 0.5^5 = 0.96875.
    expect(betaConfidence(4, 0)).toBeCloseTo(0.96875, 12);
    // Beta(2, 2) is symmetric.
    expect(betaConfidence(1, 1)).toBeCloseTo(0.5, 12);
  });

  it("stops on supermajority or confidence, never before the minimum", () => {
    const rule = { stop_rule: "beta" as const, threshold: 0.75, confidence: 0.95, min_samples: 3 };
    expect(adaptiveStop(rule, 4, 4)).toBe(true);
    expect(adaptiveStop(rule, 3, 3)).toBe(false);
    expect(adaptiveStop({ ...rule, stop_rule: "supermajority" }, 3, 4)).toBe(true);
    expect(adaptiveStop({ ...rule, stop_rule: "supermajority" }, 2, 2)).toBe(false);
  });
});

describe("PlanSearch subsets", () => {
  it("lists the empty subset, singles, then pairs, up to the limit", () => {
    expect(subsets(3, 10)).toEqual([[], [0], [1], [2], [0, 1], [0, 2], [1, 2]]);
    expect(subsets(3, 5)).toEqual([[], [0], [1], [2], [0, 1]]);
  });
});
