/**
 * Pure pieces of the router: rules operators over request features, the functional-token parser,
 * request features, bandit posteriors and the calibration table's meaning.
 */
import { describe, expect, it } from "vitest";
import { calibrationTable, thresholdForShare } from "../src/router/learning/artifact.js";
import { armValues, contextBucket, sampleBeta } from "../src/router/bandit.js";
import { escalationPath } from "../src/router/cascade.js";
import { requestFeatures, textFeatures } from "../src/router/features.js";
import { parseFunctionalToken } from "../src/router/llm.js";
import { compileCondition } from "../src/router/rules.js";
import { parseRoutingJsonl } from "../src/router/learning/dataset.js";
import { knnIndex, setKnnWasm } from "../src/router/learning/knn-index.js";
import { sparseCosine, type SparseVector } from "../src/router/learning/vectorize.js";
import { seededUniforms } from "../src/strategies/search-math.js";

const f = (content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  requestFeatures({ model: "x", messages: [{ role: "user", content }], ...extra } as never, headers, "team-a");

describe("rules operators", () => {
  const math = f("Solve the integral of x^2 and the derivative of sin x", {}, { "x-octoroute-meta-team": "research" });
  const chat = f("hello friend", { tools: [{ type: "function", function: { name: "t" } }] });
  it.each([
    [{ field: "domain", eq: "math" }, true, false],
    [{ field: "domain", ne: "math" }, false, true],
    [{ field: "domain", in: ["code", "math"] }, true, false],
    [{ field: "text", regex: "integral|proof" }, true, false],
    [{ field: "promptTokens", gt: 5 }, true, false],
    [{ field: "promptTokens", lte: 5 }, false, true],
    [{ field: "hasTools", eq: true }, false, true],
    [{ field: "meta.team", eq: "research" }, true, false],
    [{ field: "meta.team", exists: true }, true, false],
    [{ and: [{ field: "domain", eq: "math" }, { field: "turns", eq: 1 }] }, true, false],
    [{ or: [{ field: "domain", eq: "law" }, { field: "hasTools", eq: true }] }, false, true],
    [{ not: { field: "domain", eq: "math" } }, false, true],
  ])("%j", (cond, onMath, onChat) => {
    const test = compileCondition(cond as never);
    expect(test(math)).toBe(onMath);
    expect(test(chat)).toBe(onChat);
  });
});

describe("request features", () => {
  it("reads structure, domain, math density, code, language and metadata", () => {
    const x = f("```ts\nconst a = 1;\n```\nfix this function bug in my python code", { response_format: { type: "json_object" } });
    expect(x.domain).toBe("code");
    expect(x.codeBlocks).toBe(1);
    expect(x.jsonMode).toBe(true);
    expect(textFeatures("12 + 34 = 46").mathDensity).toBeGreaterThan(0.4);
    expect(textFeatures("你好，请帮我翻译这句话").language).toBe("cjk");
    expect(f("hi", {}, { "x-octoroute-meta-tier": "gold" }).meta).toEqual({ tier: "gold" });
  });

  it("takes an arithmetic expression as a math question, but not a date or a range", () => {
    expect(textFeatures("What is 12*7?").domain).toBe("math");
    expect(textFeatures("what's 3.5 + 2 and 10 / 4").domain).toBe("math");
    expect(textFeatures("Can we meet on 11/30/2026 between 10-11?").domain).toBe("general");
    expect(textFeatures("call 555-1234").domain).toBe("general");
  });
});

describe("functional tokens", () => {
  it("parses Octopus-style answers strictly", () => {
    expect(parseFunctionalToken("<nexa_1>('Find the derivative of x^3')<nexa_end>", 3)).toEqual({ index: 1, query: "Find the derivative of x^3" });
    expect(parseFunctionalToken("  <nexa_0>  ", 2)).toEqual({ index: 0, query: undefined });
    expect(parseFunctionalToken("<nexa_7>('x')<nexa_end>", 3)).toBeUndefined();
    expect(parseFunctionalToken("I pick <nexa_1>", 3)).toBeUndefined();
    expect(parseFunctionalToken("", 3)).toBeUndefined();
  });
});

describe("bandit", () => {
  it("Beta samples have the right mean", () => {
    let s = 0;
    for (let i = 0; i < 4000; i++) s += sampleBeta(8, 2);
    expect(s / 4000).toBeGreaterThan(0.77);
    expect(s / 4000).toBeLessThan(0.83);
  });

  it("UCB tries untried arms first, then prefers the better mean", () => {
    const fresh = armValues({ a: { alpha: 5, beta: 1, pulls: 4, reward: 4 } }, ["a", "b"], "ucb", 1);
    expect(fresh[1]).toBe(Number.POSITIVE_INFINITY);
    const v = armValues({ a: { alpha: 30, beta: 2, pulls: 30, reward: 29 }, b: { alpha: 2, beta: 30, pulls: 30, reward: 1 } }, ["a", "b"], "ucb", 1);
    expect(v[0]).toBeGreaterThan(v[1]!);
  });

  it("counts a node's quality prior before any feedback", () => {
    let wins = 0;
    for (let i = 0; i < 400; i++) {
      const v = armValues({}, ["good", "poor"], "thompson", 1, Math.random, (n) => (n === "good" ? 1 : 0));
      if (v[0]! > v[1]!) wins++;
    }
    // Beta(3,1) vs Beta(1,3): the prior node wins a draw 95% of the time.
    expect(wins).toBeGreaterThan(330);
  });

  it("buckets requests by context", () => {
    expect(contextBucket(f("integral of x^2 and derivative"), ["domain", "length"])).toBe("domain=math|length=short");
  });
});

describe("calibration and escalation", () => {
  it("a share's threshold sends that share of the calibration traffic to strong", () => {
    const scores = Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.5);
    const table = calibrationTable(scores);
    for (const share of [0.1, 0.3, 0.5, 0.8]) {
      const t = thresholdForShare(table, share);
      expect(scores.filter((s) => s >= t).length / 1000).toBeCloseTo(share, 1);
    }
  });

  it("follows escalate edges without cycles, up to maxSteps", () => {
    const edges: Record<string, string> = { a: "b", b: "c", c: "a" };
    expect(escalationPath("a", (n) => edges[n], 5)).toEqual(["a", "b", "c"]);
    expect(escalationPath("a", (n) => edges[n], 2)).toEqual(["a", "b"]);
  });
});

describe("knn similarity index", () => {
  // Sparse vectors over 64 buckets: a few common buckets (dense columns) and many rare ones.
  function vectors(n: number, seed: number): SparseVector[] {
    const r = seededUniforms(seed);
    return Array.from({ length: n }, () => {
      const idx: number[] = [];
      const val: number[] = [];
      for (let b = 0; b < 64; b++) {
        if (r() < (b < 6 ? 0.9 : 0.08)) {
          idx.push(b);
          val.push(r() - 0.3);
        }
      }
      return { idx, val };
    });
  }

  it("gives the exact cosine with every example, WebAssembly and JavaScript alike", () => {
    for (const n of [1, 7, 50, 203]) {
      const ex = vectors(n, n);
      const queries = [...vectors(5, 99), { idx: [], val: [] }, { idx: [3, 70, 500], val: [0.5, 1, 2] }];
      const wasm = knnIndex(ex);
      setKnnWasm(false);
      const js = knnIndex(ex);
      setKnnWasm(true);
      expect(js.wasm).toBe(false);
      for (const q of queries) {
        const a = Array.from(wasm.cosine(q));
        const b = Array.from(js.cosine(q));
        ex.forEach((e, i) => {
          const want = q.idx.length && e.idx.length ? sparseCosine(q, e) : 0;
          expect(a[i]).toBeCloseTo(want, 5);
          expect(b[i]).toBeCloseTo(want, 6);
        });
      }
    }
  });

  it("uses WebAssembly where it can be compiled (Node)", () => {
    expect(knnIndex(vectors(10, 1)).wasm).toBe(true);
  });
});

describe("multi-model choice", () => {
  it("slides from the cheapest node (quality 0) to the best predicted (quality 1)", async () => {
    const { chooseByUtility } = await import("../src/router/learning/choose.js");
    const predicted = [0.3, 0.6, 0.9];
    const costs = [0.001, 0.01, 0.1];
    expect(chooseByUtility(predicted, costs, 0)).toBe(0);
    expect(chooseByUtility(predicted, costs, 1)).toBe(2);
    expect(chooseByUtility(predicted, costs, 0.5)).toBe(1);
  });
});

describe("SQLite router store", () => {
  it("keeps arms and decisions across reopening the database file", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { openDatabase, closeDatabase } = await import("../src/node/database.js");
    const { SqliteRouterStore } = await import("../src/node/router-store-sqlite.js");
    const path = join(mkdtempSync(join(tmpdir(), "octoroute-store-")), "db.sqlite");
    const a = new SqliteRouterStore(openDatabase(path));
    await a.pull("auto", "b", "m1");
    await a.reward("auto", "b", "m1", 1);
    await a.reward("auto", "b", "m1", 0.5);
    await a.saveDecision({ requestId: "r1", tenant: "t", route: "auto", bucket: "b", node: "m1", at: Date.now() });
    closeDatabase(path);
    const b = new SqliteRouterStore(openDatabase(path));
    expect(await b.arms("auto", "b")).toEqual({ m1: { alpha: 2.5, beta: 1.5, pulls: 1, reward: 1.5 } });
    expect((await b.takeDecision("r1"))?.node).toBe("m1");
    expect(await b.takeDecision("r1")).toBeUndefined();
    closeDatabase(path);
  });
});

describe("routing data with missing outcomes", () => {
  const line = (id: string, scores: Record<string, number>, costs: Record<string, number>) => JSON.stringify({ id, prompt: `q ${id}`, scores, costs });

  it("leaves out rows that lack a model's outcome or cost instead of scoring them 0", () => {
    const text = [
      line("1", { a: 1, b: 0 }, { a: 1, b: 0.1 }),
      line("2", { a: 1 }, { a: 1, b: 0.1 }),
      line("3", { a: 0, b: 1 }, { a: 1 }),
      line("4", { a: 1, b: 1 }, { a: 1, b: 0.1 }),
    ].join("\n");
    const ds = parseRoutingJsonl(text, "t.jsonl");
    expect(ds.models).toEqual(["a", "b"]);
    expect(ds.rows.map((r) => r.id)).toEqual(["1", "4"]);
    expect(ds.notes).toEqual(["t.jsonl: left out 2 of 4 rows that lack the outcome or cost of a model"]);
  });

  it("leaves out a model scored on fewer than half the rows, and keeps those rows", () => {
    const text = [line("1", { a: 1, b: 0, c: 1 }, { a: 1, b: 0.1, c: 2 }), line("2", { a: 0, b: 1 }, { a: 1, b: 0.1 }), line("3", { a: 1, b: 1 }, { a: 1, b: 0.1 })].join("\n");
    const ds = parseRoutingJsonl(text, "t.jsonl");
    expect(ds.models).toEqual(["a", "b"]);
    expect(ds.rows).toHaveLength(3);
    expect(ds.notes[0]).toContain("left out c");
  });

  it("refuses data where no two models share a prompt", () => {
    expect(() => parseRoutingJsonl([line("1", { a: 1 }, { a: 1 }), line("2", { b: 1 }, { b: 1 })].join("\n"), "t.jsonl")).toThrow(/two or more models/);
  });
});

describe("routing data in the shapes other datasets use", () => {
  it("reads true/false outcomes, numeric ids, turns and chat messages as the prompt", () => {
    const text = [
      JSON.stringify({ id: 7, prompt: "plain", strong: true, weak: false }),
      JSON.stringify({ id: "t", turns: ["first turn", "second turn"], strong: 1, weak: 0.5 }),
      JSON.stringify({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: [{ type: "text", text: "parts" }, { type: "image_url", image_url: { url: "x" } }] }], strong: 0, weak: 1 }),
      JSON.stringify({ prompt: ["a", "b"], strong: 1, weak: 1 }),
    ].join("\n");
    const ds = parseRoutingJsonl(text, "t.jsonl");
    expect(ds.rows.map((r) => [r.id, r.prompt, r.quality.strong, r.quality.weak])).toEqual([
      ["7", "plain", 1, 0],
      ["t", "first turn\n\nsecond turn", 1, 0.5],
      ["row-3", "be brief\n\nparts", 0, 1],
      ["row-4", "a\n\nb", 1, 1],
    ]);
  });

  it("leaves out strong/weak rows with a null outcome and says how many", () => {
    const text = [JSON.stringify({ prompt: "a", strong: 1, weak: null }), JSON.stringify({ prompt: "b", strong: 1, weak: 0 })].join("\n");
    const ds = parseRoutingJsonl(text, "t.jsonl");
    expect(ds.rows.map((r) => r.prompt)).toEqual(["b"]);
    expect(ds.notes).toEqual(["t.jsonl: left out 1 row(s) without both outcomes"]);
  });

  it("treats a null multi-model outcome as missing, not 0", () => {
    const row = (id: string, b: number | null) => JSON.stringify({ id, prompt: id, scores: { a: 1, b }, costs: { a: 1, b: 0.1 } });
    const ds = parseRoutingJsonl([row("1", 0), row("2", null), row("3", 1)].join("\n"), "t.jsonl");
    expect(ds.rows.map((r) => r.id)).toEqual(["1", "3"]);
  });

  it("names the line and what it expected when a row has no prompt", () => {
    expect(() => parseRoutingJsonl(`${JSON.stringify({ prompt: "ok", strong: 1, weak: 0 })}\n${JSON.stringify({ question: "?", strong: 1, weak: 0 })}`, "t.jsonl")).toThrow(/^t\.jsonl:2: expected \{prompt, strong, weak\}/);
  });
});
