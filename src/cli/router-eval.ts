/**
 * `octoroute router eval --data FILE.jsonl [--router classifier,knn,...] [--folds 5] [--plot FILE.svg]`:
 * offline evaluation. Strong/weak files: APGR, CPT(20/50/80%) and the quality-vs-strong-share curve
 * exactly as RouteLLM computes them, trainable routers scored by k-fold cross-validation (each
 * prompt by a model that never saw it), next to the random, length and oracle baselines.
 * Multi-model files: each router's (total cost, mean quality) sweep against every single model and
 * the per-prompt oracle, the cost-quality frontier, dominance, and the cost at which the router
 * reaches 95% of the most capable model's quality. `--artifact FILE` scores a trained artifact as is
 * (for held-out data) instead of cross-validating.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { loadArtifact, predictQuality } from "../router/learning/artifact.js";
import { chooseByUtility } from "../router/learning/choose.js";
import { parseJsonText } from "../jsonl.js";
import { DataError, parseRoutingJsonl, type RoutingDataset } from "../router/learning/dataset.js";
import { costAtQuality, type CostQualityPoint, costQuality, frontier, type PairMetrics, pairMetrics } from "../router/learning/eval.js";
import { textFeatures } from "../router/features.js";
import { svgChart } from "../router/learning/plot.js";
import { crossValidate, DEFAULT_TRAIN, meanCosts, type TrainableRouter } from "../router/learning/train.js";
import { vectorize } from "../router/learning/vectorize.js";
import { seededUniforms } from "../strategies/search-math.js";
import { checkFlags, flag, numberFlag } from "./args.js";

const TRAINABLE = new Set(["classifier", "knn"]);

/** Per-row per-label predicted quality for a router (CV for trainable ones). */
function predictions(ds: RoutingDataset, router: string, folds: number, artifactPath?: string): number[][] {
  if (artifactPath) {
    const loaded = loadArtifact(parseJsonText(readFileSync(artifactPath, "utf8"), artifactPath), artifactPath);
    const labels = loaded.artifact.labels;
    return ds.rows.map((r) => {
      const q = predictQuality(loaded, vectorize(textFeatures(r.prompt), loaded.artifact.dims));
      return ds.models.map((m) => q[labels.indexOf(m)] ?? 0);
    });
  }
  return crossValidate(ds, { ...DEFAULT_TRAIN, router: router as TrainableRouter }, folds);
}

function pairReport(ds: RoutingDataset, routers: string[], folds: number, artifact: string | undefined, plot: string | undefined): void {
  const S = ds.rows.map((r) => r.quality.strong!);
  const W = ds.rows.map((r) => r.quality.weak!);
  const results: Array<[string, PairMetrics]> = [];
  for (const router of routers) {
    const started = Date.now();
    let scores: number[];
    if (router === "random") {
      const r = seededUniforms(0);
      scores = ds.rows.map(() => r());
    } else if (router === "length") scores = ds.rows.map((r) => r.prompt.length);
    else if (router === "oracle") scores = ds.rows.map((r) => r.quality.strong! - r.quality.weak!);
    else {
      const pred = predictions(ds, router, folds, artifact);
      scores = pred.map((q) => (q[0] ?? 0) - (q[1] ?? 0)); // labels are [strong, weak]
    }
    results.push([artifact && TRAINABLE.has(router) ? `${router} (artifact)` : router, pairMetrics(scores, S, W)]);
    if (TRAINABLE.has(router)) process.stderr.write(`${router}: ${artifact ? "scored" : `${folds}-fold CV`} in ${Date.now() - started} ms\n`);
  }
  const m0 = results[0]![1];
  console.log(`strong/weak data: ${ds.rows.length} prompts; strong ${m0.strong.toFixed(2)}%, weak ${m0.weak.toFixed(2)}%${artifact ? "" : `; trainable routers: ${folds}-fold cross-validation`}`);
  console.log(`${"router".padEnd(22)} ${"APGR".padStart(7)} ${"CPT(20%)".padStart(9)} ${"CPT(50%)".padStart(9)} ${"CPT(80%)".padStart(9)}`);
  for (const [name, m] of results) {
    console.log(`${name.padEnd(22)} ${m.apgr.toFixed(4).padStart(7)} ${(m.cpt20.toFixed(2) + "%").padStart(9)} ${(m.cpt50.toFixed(2) + "%").padStart(9)} ${(m.cpt80.toFixed(2) + "%").padStart(9)}`);
  }
  console.log("\nquality vs strong share (RouteLLM curve: % strong calls → accuracy %)");
  for (const [name, m] of results) console.log(`  ${name.padEnd(20)} ${m.curve.map((p) => `${p.strongPct.toFixed(1)}→${p.quality.toFixed(2)}`).join("  ")}`);
  if (plot) {
    const series = results.map(([name, m]) => ({ label: `${name} (APGR ${m.apgr.toFixed(3)})`, points: m.curve.map((p) => [p.strongPct, p.quality] as [number, number]) }));
    series.push({ label: "strong", points: [[0, m0.strong], [100, m0.strong]] }, { label: "weak", points: [[0, m0.weak], [100, m0.weak]] });
    writeFileSync(plot, svgChart("Quality vs strong-model calls", "strong model calls (%)", "accuracy (%)", series));
    console.log(`\nplot: ${plot}`);
  }
}

/**
 * Multi-model data without costs: no frontier can be drawn, so the report is quality alone — each
 * model's mean quality, the oracle's, and what each router reaches by sending every prompt to the
 * model it predicts best (the knob at 1), with how often that is the prompt's best-scoring model.
 */
function qualityOnlyReport(ds: RoutingDataset, routers: string[], folds: number, artifact: string | undefined): void {
  const n = ds.rows.length;
  const Q = (i: number, m: string) => ds.rows[i]!.quality[m] ?? 0;
  const mean = (pick: (i: number) => string) => ds.rows.reduce((sum, _, i) => sum + Q(i, pick(i)), 0) / n;
  const singles = ds.models.map((m) => ({ label: m, quality: mean(() => m) })).sort((a, b) => b.quality - a.quality);
  console.log(`multi-model data: ${n} prompts, ${ds.models.length} models, no costs (add "costs" to the rows, or --cost model=usd,... for a cost per call, to see the cost-quality frontier)`);
  console.log(`${"single model".padEnd(36)} ${"quality".padStart(8)}`);
  for (const s of singles) console.log(`${s.label.padEnd(36)} ${s.quality.toFixed(4).padStart(8)}`);
  console.log(`${"oracle (per prompt)".padEnd(36)} ${mean((i) => [...ds.models].sort((a, b) => Q(i, b) - Q(i, a))[0]!).toFixed(4).padStart(8)}`);
  for (const router of routers.filter((r) => TRAINABLE.has(r))) {
    const pred = predictions(ds, router, folds, artifact);
    const pick = (i: number) => ds.models[pred[i]!.indexOf(Math.max(...pred[i]!))]!;
    const top = ds.rows.filter((_, i) => Q(i, pick(i)) >= Math.max(...ds.models.map((m) => Q(i, m)))).length;
    console.log(`${`${router} (best predicted${artifact ? ", artifact" : `, ${folds}-fold CV`})`.padEnd(36)} ${mean(pick).toFixed(4).padStart(8)}  (the prompt's best-scoring model on ${((100 * top) / n).toFixed(1)}% of prompts; best single model ${singles[0]!.quality.toFixed(4)})`);
  }
}

/** `--cost model=usd,...`: a cost per call for rows that carry none. */
function applyCostFlag(ds: RoutingDataset, spec: string | undefined): void {
  if (!spec) return;
  const costs: Record<string, number> = {};
  for (const part of spec.split(",")) {
    const eq = part.lastIndexOf("=");
    const usd = Number(part.slice(eq + 1));
    if (eq < 1 || !Number.isFinite(usd) || usd < 0) throw new DataError(`--cost: expected model=usd,... (got "${part}")`);
    costs[part.slice(0, eq).trim()] = usd;
  }
  const missing = ds.models.filter((m) => costs[m] === undefined);
  if (missing.length) throw new DataError(`--cost: no cost for ${missing.join(", ")}`);
  for (const r of ds.rows) r.cost ??= { ...costs };
}

function multiReport(ds: RoutingDataset, routers: string[], folds: number, artifact: string | undefined, plot: string | undefined): void {
  if (!ds.rows.some((r) => r.cost !== undefined)) return qualityOnlyReport(ds, routers, folds, artifact);
  const n = ds.rows.length;
  const Q = (i: number, m: string) => ds.rows[i]!.quality[m] ?? 0;
  const C = (i: number, m: string) => ds.rows[i]!.cost?.[m] ?? 0;
  const singles = ds.models.map((m) => costQuality(m, n, () => m, Q, C));
  const best = [...singles].sort((a, b) => b.quality - a.quality || a.cost - b.cost)[0]!;
  const oracle = costQuality("oracle", n, (i) => [...ds.models].sort((a, b) => Q(i, b) - Q(i, a) || C(i, a) - C(i, b))[0]!, Q, C);
  const target = 0.95 * best.quality;
  console.log(`multi-model data: ${ds.rows.length} prompts, ${ds.models.length} models; most capable: ${best.label} (quality ${best.quality.toFixed(4)}, cost $${best.cost.toFixed(4)})`);
  console.log(`${"single model".padEnd(36)} ${"total $".padStart(9)} ${"quality".padStart(8)}`);
  for (const s of [...singles].sort((a, b) => a.cost - b.cost)) console.log(`${s.label.padEnd(36)} ${s.cost.toFixed(4).padStart(9)} ${s.quality.toFixed(4).padStart(8)}`);
  console.log(`${"oracle (per prompt)".padEnd(36)} ${oracle.cost.toFixed(4).padStart(9)} ${oracle.quality.toFixed(4).padStart(8)}  (${((oracle.cost / best.cost) * 100).toFixed(1)}% of ${best.label}'s cost)`);
  const costs = meanCosts(ds)!;
  const seriesOut: Array<{ label: string; points: Array<[number, number]>; style?: "line" | "dots" }> = [];
  for (const router of routers.filter((r) => TRAINABLE.has(r))) {
    const started = Date.now();
    const pred = predictions(ds, router, folds, artifact);
    const sweep: CostQualityPoint[] = [];
    for (let k = 0; k <= 50; k++) {
      const q = k / 50;
      sweep.push(costQuality(`quality=${q.toFixed(2)}`, n, (i) => ds.models[chooseByUtility(pred[i]!, costs, q)]!, Q, C));
    }
    const f = frontier(sweep);
    const reach = costAtQuality(sweep, target);
    const onCurve = (p: CostQualityPoint) => {
      // Frontier quality at p's cost (linear between frontier points): ≥ p.quality → p is dominated.
      let q = -Infinity;
      for (let i = 0; i < f.length; i++) {
        if (f[i]!.cost <= p.cost) q = Math.max(q, f[i]!.quality);
        if (i > 0 && f[i - 1]!.cost <= p.cost && f[i]!.cost > p.cost) q = Math.max(q, f[i - 1]!.quality + ((f[i]!.quality - f[i - 1]!.quality) * (p.cost - f[i - 1]!.cost)) / (f[i]!.cost - f[i - 1]!.cost));
      }
      return q;
    };
    console.log(`\n${router}${artifact ? " (artifact)" : ` (${folds}-fold CV, ${Date.now() - started} ms)`}: frontier of the quality knob sweep (total $, mean quality)`);
    console.log(`  ${f.map((p) => `${p.label} $${p.cost.toFixed(4)} q${p.quality.toFixed(4)}`).join("\n  ")}`);
    const dominated = singles.filter((s) => s !== best).map((s) => ({ s, q: onCurve(s) }));
    for (const { s, q } of dominated) console.log(`  vs ${s.label.padEnd(36)} frontier quality at its cost ${q === -Infinity ? "n/a" : q.toFixed(4)} vs ${s.quality.toFixed(4)} → ${q > s.quality + 1e-12 ? "dominated" : q >= s.quality - 1e-12 ? "matched (the frontier passes through it)" : "NOT dominated"}`);
    console.log(`  reaches 95% of ${best.label}'s quality (${target.toFixed(4)}) at ${reach === null ? "never" : `$${reach.toFixed(4)} = ${((reach / best.cost) * 100).toFixed(1)}% of its cost`}`);
    seriesOut.push({ label: router, points: f.map((p) => [p.cost, p.quality]) });
  }
  if (plot) {
    seriesOut.push({ label: "single models", points: singles.map((s) => [s.cost, s.quality]), style: "dots" }, { label: "oracle", points: [[oracle.cost, oracle.quality]], style: "dots" });
    writeFileSync(plot, svgChart("Cost vs quality", "total cost (USD)", "mean quality", seriesOut));
    console.log(`\nplot: ${plot}`);
  }
}

export const usage = "usage: octoroute router eval --data FILE.jsonl [--router classifier,knn,length,random,oracle] [--folds 5] [--artifact FILE.json] [--plot FILE.svg] [--cost model=usd,...]";

export async function run(args: string[]): Promise<number> {
  checkFlags(args, ["data", "router", "folds", "artifact", "plot", "cost"]);
  const data = flag(args, "data");
  if (!data) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const ds = parseRoutingJsonl(readFileSync(data, "utf8"), data);
  for (const note of ds.notes) process.stderr.write(`note: ${note}\n`);
  const folds = numberFlag(args, "folds", 5);
  const routers = (flag(args, "router") ?? (ds.kind === "pair" ? "random,length,oracle,classifier,knn" : "classifier,knn")).split(",").map((s) => s.trim()).filter(Boolean);
  const known = new Set(["random", "length", "oracle", "classifier", "knn"]);
  const bad = routers.find((r) => !known.has(r));
  if (bad) {
    process.stderr.write(`unknown router "${bad}" (known: ${[...known].join(", ")})\n`);
    return 2;
  }
  if (ds.kind === "multi") applyCostFlag(ds, flag(args, "cost"));
  if (ds.kind === "pair") pairReport(ds, routers, folds, flag(args, "artifact"), flag(args, "plot"));
  else multiReport(ds, routers, folds, flag(args, "artifact"), flag(args, "plot"));
  return 0;
}
