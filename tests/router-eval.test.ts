/**
 * The offline eval CLI, run as a user runs it: reproduces RouteLLM's random (≈0.50) and oracle
 * baselines on the dev files, agrees with an APGR/CPT computed by hand on a four-prompt fixture,
 * and prints the multi-model comparison and an SVG plot. Pure-metric checks sit alongside.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { interp, pairMetrics, quantile } from "../src/router/learning/eval.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..");
const DATA = join(ROOT, "../shared/data/routing");

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "eval", ...args], { cwd: ROOT, maxBuffer: 1 << 24 });
  return stdout;
}

/** The APGR and CPT(50%) columns of a router's row in the eval table. */
function row(out: string, name: string): { apgr: number; cpt50: number } {
  const line = out.split("\n").find((l) => l.startsWith(`${name} `))!;
  const cols = line.slice(name.length).trim().split(/\s+/);
  return { apgr: Number(cols[0]), cpt50: Number(cols[2]!.replace("%", "")) };
}

describe("router eval CLI", () => {
  it("says in one line what is wrong with unreadable data, and exits 66", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-eval-bad-"));
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${JSON.stringify({ prompt: "ok", strong: 1, weak: 0 })}\n{"prompt": 3, "strong": 1, "weak": 0}\n`);
    for (const [file, message] of [
      [bad, `octoroute: ${bad}:2: expected {prompt, strong, weak}`],
      [join(dir, "missing.jsonl"), "octoroute: ENOENT: no such file or directory"],
    ] as const) {
      const err = (await cli("--data", file).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code: number; stderr: string };
      expect(err.code).toBe(66);
      expect(err.stderr).toContain(message);
      expect(err.stderr.trim().split("\n")).toHaveLength(1);
    }
  });

  it("agrees with a hand-computed APGR and CPT on a tiny fixture", async () => {
    // Length scores 1..4, strong always right, weak right on prompts 1 and 3: curve (0,50) (25,75)
    // (50,75) (75,100) (100,100) → area 81.25 → APGR (81.25−50)/(100−50) = 0.625; CPT(50%) = 50%.
    const out = await cli("--data", join(ROOT, "tests/fixtures/routing/apgr-hand.jsonl"), "--router", "length");
    expect(row(out, "length")).toEqual({ apgr: 0.625, cpt50: 50 });
    expect(out).toContain("CPT(20%)");
    expect(out.split("\n").find((l) => l.startsWith("length "))).toContain("10.00%");
  });

  it("reads a file saved with a byte-order mark and CRLF line ends as the same data", async () => {
    const text = readFileSync(join(ROOT, "tests/fixtures/routing/apgr-hand.jsonl"), "utf8");
    const dir = mkdtempSync(join(tmpdir(), "octoroute-eval-bom-"));
    const file = join(dir, "windows.jsonl");
    writeFileSync(file, `\ufeff${text.trim().split("\n").join("\r\n")}\r\n\r\n`);
    expect(row(await cli("--data", file, "--router", "length"), "length")).toEqual({ apgr: 0.625, cpt50: 50 });
  });

  it("reads scores on another scale (a judge's 1–10) as [0, 1], with the same APGR, and says so", async () => {
    // The hand fixture with right = 10 and wrong = 1: the same curve, so the same 0.625.
    const dir = mkdtempSync(join(tmpdir(), "octoroute-eval-scale-"));
    const file = join(dir, "judge.jsonl");
    const rows = readFileSync(join(ROOT, "tests/fixtures/routing/apgr-hand.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { strong: number; weak: number });
    writeFileSync(file, rows.map((r) => JSON.stringify({ ...r, strong: 1 + 9 * r.strong, weak: 1 + 9 * r.weak })).join("\n"));
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "eval", "--data", file, "--router", "length"], { cwd: ROOT });
    expect(row(stdout, "length")).toEqual({ apgr: 0.625, cpt50: 50 });
    expect(stdout).toContain("strong 100.00%, weak 50.00%");
    expect(stdout + stderr).toContain("scores range over [1, 10], not [0, 1]");
  });

  it("reproduces the random (≈0.50) and oracle baselines on mmlu-dev", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-eval-"));
    const out = await cli("--data", join(DATA, "mmlu-dev.jsonl"), "--router", "random,oracle,length", "--plot", join(dir, "mmlu.svg"));
    const random = row(out, "random");
    expect(random.apgr).toBeGreaterThan(0.45);
    expect(random.apgr).toBeLessThan(0.55);
    const oracle = row(out, "oracle");
    expect(oracle.apgr).toBeGreaterThan(1);
    // The oracle needs only the prompts where strong wins and weak loses (346 of 1,991 ≈ 17%), and
    // recovers half the gap with far fewer.
    expect(oracle.cpt50).toBeLessThan(10);
    expect(row(out, "length").apgr).toBeGreaterThan(0.55);
    const svg = readFileSync(join(dir, "mmlu.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("oracle");
  });

  it("points out a mistyped or incomplete option (exit 2) instead of running on defaults", async () => {
    for (const [args, message] of [
      [["--data", join(DATA, "mmlu-dev.jsonl"), "--fold", "3"], 'unknown option "--fold"'],
      [["--data", join(DATA, "mmlu-dev.jsonl"), "--folds", "many"], '--folds must be a number, got "many"'],
      [["--data"], "--data needs a value"],
    ] as const) {
      const err = (await cli(...args).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code: number; stderr: string };
      expect(err.code).toBe(2);
      expect(err.stderr).toContain(message);
    }
  });

  it("compares a router with every single model and the oracle on a RouterBench file", async () => {
    const out = await cli("--data", join(DATA, "routerbench-mbpp-train.jsonl"), "--router", "knn", "--folds", "3");
    expect(out).toContain("most capable: gpt-4-1106-preview");
    expect(out).toMatch(/oracle \(per prompt\)\s+[0-9.]+\s+[0-9.]+/);
    expect(out).toMatch(/reaches 95% of gpt-4-1106-preview's quality/);
    expect(out).toContain("vs mistralai/mistral-7b-chat");
  }, 60_000);

  it("reports quality alone for multi-model data without costs, and the frontier with --cost", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-eval-nocost-"));
    const file = join(dir, "nocost.jsonl");
    // Model "a" is right on prompts about cats, "b" on the rest; neither alone is perfect.
    const rows = Array.from({ length: 60 }, (_, i) => {
      const cat = i % 2 === 0;
      return JSON.stringify({ id: `r${i}`, prompt: cat ? `tell me about cats number ${i}` : `explain stars and planets ${i}`, scores: { a: cat ? 1 : 0, b: cat ? 0 : 1 } });
    });
    writeFileSync(file, rows.join("\n"));
    const out = await cli("--data", file, "--router", "classifier", "--folds", "3");
    expect(out).toContain("no costs");
    expect(out).toMatch(/^a\s+0\.5000$/m);
    expect(out).toMatch(/^oracle \(per prompt\)\s+1\.0000$/m);
    // The router tells the two kinds of prompt apart: far above either model alone.
    const routed = Number(/^classifier \(best predicted, 3-fold CV\)\s+([0-9.]+)/m.exec(out)![1]);
    expect(routed).toBeGreaterThan(0.9);
    const priced = await cli("--data", file, "--router", "classifier", "--folds", "3", "--cost", "a=0.001,b=0.002");
    expect(priced).toMatch(/^oracle \(per prompt\)\s+0\.0900\s+1\.0000/m);
    expect(priced).toContain("frontier of the quality knob sweep");
  }, 60_000);
});

describe("RouteLLM metric pieces", () => {
  it("quantile and interp follow numpy", () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12);
    expect(interp(2.5, [1, 2, 3], [10, 20, 30])).toBe(25);
    expect(interp(0, [1, 2, 3], [10, 20, 30])).toBe(10);
    expect(interp(9, [1, 2, 3], [10, 20, 30])).toBe(30);
  });

  it("a router that ranks exactly the gain prompts first beats one that ranks them last", () => {
    const strong = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const weak = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
    const good = pairMetrics([9, 8, 1, 2, 3, 4, 5, 6, 7, 0], strong, weak);
    const bad = pairMetrics([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], strong, weak);
    expect(good.apgr).toBeGreaterThan(0.8);
    expect(bad.apgr).toBeLessThan(0.3);
  });
});

describe("router calibrate CLI", () => {
  it("prints the threshold for a target strong share and the share it yields", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-cal-"));
    const fixture = join(ROOT, "tests/fixtures/routing/tiny-pair.jsonl");
    await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "train", "--data", fixture, "--out", join(dir, "a.json"), "--epochs", "40"], { cwd: ROOT });
    const { stdout } = await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "calibrate", "--artifact", join(dir, "a.json"), "--data", fixture, "--share", "0.25"], { cwd: ROOT });
    expect(stdout).toMatch(/threshold: -?[0-9.]+/);
    const share = Number(/expected strong share at this threshold: ([0-9.]+)%/.exec(stdout)![1]);
    expect(share).toBeGreaterThanOrEqual(20);
    expect(share).toBeLessThanOrEqual(30);
    // The same artifact scored as is (held-out use), without cross-validation.
    const evalOut = await cli("--data", fixture, "--router", "classifier", "--artifact", join(dir, "a.json"));
    expect(row(evalOut, "classifier (artifact)").apgr).toBeGreaterThan(0.7);

    // A traffic sample as chat messages is read like routing data; a broken line is named, in one line.
    const rows = readFileSync(fixture, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { prompt: string });
    const chat = join(dir, "chat.jsonl");
    writeFileSync(chat, rows.map((r) => JSON.stringify({ messages: [{ role: "user", content: [{ type: "text", text: r.prompt }] }] })).join("\n"));
    const fromChat = await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "calibrate", "--artifact", join(dir, "a.json"), "--data", chat, "--share", "0.25"], { cwd: ROOT });
    expect(fromChat.stdout.split("\n").find((l) => l.startsWith("threshold:"))).toBe(stdout.split("\n").find((l) => l.startsWith("threshold:")));
    const broken = join(dir, "broken.jsonl");
    writeFileSync(broken, `${JSON.stringify({ prompt: "fine" })}\n{"prompt": \n`);
    const err = (await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "calibrate", "--artifact", join(dir, "a.json"), "--data", broken]).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(err.code).toBe(66);
    expect(err.stderr).toBe(`octoroute: ${broken}:2: not JSON\n`);
  }, 30_000);
});

describe("octoroute <command> --help", () => {
  it("prints each command's usage on stdout and exits 0, without running it", async () => {
    const cases: Array<[string[], string]> = [
      [["serve", "--help"], "usage: octoroute serve"],
      [["sim", "-h"], "usage: octoroute sim"],
      [["keys", "--help"], "usage: octoroute keys mint"],
      [["schema", "--help"], "usage: octoroute schema"],
      [["config", "check", "--help"], "usage: octoroute config check"],
      [["eval", "--help"], "usage: octoroute eval"],
      [["router", "--help"], "usage: octoroute router train|eval|calibrate"],
      [["router", "train", "--help"], "usage: octoroute router train --data"],
      [["router", "eval", "-h"], "usage: octoroute router eval --data"],
      [["router", "calibrate", "--help"], "usage: octoroute router calibrate --artifact"],
    ];
    const outs = await Promise.all(cases.map(([args]) => run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), ...args], { cwd: ROOT })));
    outs.forEach(({ stdout, stderr }, i) => {
      expect(stdout.startsWith(cases[i]![1]), `${cases[i]![0].join(" ")}: ${stdout}`).toBe(true);
      expect(stderr).toBe("");
    });
    // `schema --help` must not have written the schema file, nor `keys --help` minted a key.
    expect(outs[2]!.stdout).not.toContain("Paste under");
    const unknown = (await run(process.execPath, [join(ROOT, "bin/octoroute.mjs"), "router", "fit"]).then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string };
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown router command "fit"');
  }, 60_000);
});
