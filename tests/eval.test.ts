/** The eval CLI's pieces: strategy specs, statistics, the vote prediction, and a run over HTTP against the sim task world. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../src/eval/dataset.js";
import { addPredictions, markdownTable, summarize, svgPlot } from "../src/eval/report.js";
import { runStrategy } from "../src/eval/run.js";
import { parseStrategies } from "../src/eval/spec.js";
import { majorityCorrectProbability, percentile, wilson } from "../src/eval/stats.js";
import { tasksPath } from "../src/sim/task-world/tasks.js";
import { KEY_A, type Stack } from "./helpers/stack.js";
import { startTaskWorld } from "./helpers/task-world.js";

describe("eval specs and statistics", () => {
  it("parses short strategy names with parameters", () => {
    expect(parseStrategies("none,sc:n=4,bon:n=16,pf:n=16:tau=0.5,rebase:w=16,asc:n=8,plansearch")).toEqual([
      { label: "none", strategy: "none", params: {} },
      { label: "sc:n=4", strategy: "self-consistency", params: { n: 4 } },
      { label: "bon:n=16", strategy: "best-of-n", params: { n: 16 } },
      { label: "pf:n=16:tau=0.5", strategy: "particle-filter", params: { n: 16, tau: 0.5 } },
      { label: "rebase:w=16", strategy: "rebase", params: { w: 16 } },
      { label: "asc:n=8", strategy: "self-consistency", params: { adaptive: true, n: 8 } },
      { label: "plansearch", strategy: "plansearch", params: {} },
    ]);
    expect(() => parseStrategies("mcts")).toThrow(/unknown strategy/);
  });

  it("computes percentiles and the Wilson interval", () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    const [lo, hi] = wilson(50, 100);
    expect(lo).toBeCloseTo(0.4038, 3);
    expect(hi).toBeCloseTo(0.5962, 3);
  });

  it("predicts majority-vote accuracy from a pool of answers", () => {
    // All correct → 1; none correct → 0; one draw from a pool with 3/4 correct → 3/4.
    expect(majorityCorrectProbability(["a", "a", "a"], "a", 3)).toBe(1);
    expect(majorityCorrectProbability(["b", "c"], "a", 2)).toBe(0);
    expect(majorityCorrectProbability(["a", "a", "a", "b"], "a", 1, 4000)).toBeCloseTo(0.75, 1);
  });

  it("reads GSM8K lines into answer keys", () => {
    const items = loadDataset(tasksPath(), 0, 2);
    expect(items[0]!.key).toBe("number:72");
    expect(items[1]!.key).toBe("number:10");
  });
});

describe("eval run over HTTP", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startTaskWorld();
  });
  afterAll(() => stack?.close());

  it("measures accuracy, tokens, calls, cost and latency per strategy and predicts the vote", async () => {
    const items = loadDataset(tasksPath(), 0, 6);
    const target = { baseUrl: stack.baseURL, apiKey: KEY_A, model: "math-single", concurrency: 3 };
    const rows = [];
    for (const s of parseStrategies("none,sc:n=2,sc:n=6")) {
      const records = await runStrategy(target, s, items);
      expect(records.every((r) => !r.error)).toBe(true);
      rows.push({ strategy: s, records, summary: summarize(s, records) });
    }
    const [none, sc2, sc6] = rows.map((r) => r.summary);
    expect(none!.meanCalls).toBe(1);
    expect(sc6!.meanCalls).toBe(6);
    expect(sc6!.meanCompletionTokens).toBeGreaterThan(5 * none!.meanCompletionTokens);
    expect(sc6!.meanCostUsd).toBeGreaterThan(0);
    addPredictions(items, rows);
    expect(sc2!.predicted).toBeGreaterThanOrEqual(0);
    expect(sc6!.predicted).toBeUndefined();
    const table = markdownTable(rows.map((r) => r.summary));
    expect(table).toContain("| sc:n=6 | 6 |");
    const svg = svgPlot(rows.map((r) => r.summary), "test");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<circle/g)).toHaveLength(3);
  });
});
