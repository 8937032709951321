/**
 * The eval report: per strategy accuracy (with its 95% interval), mean tokens, calls and cost,
 * p50/p95 latency, and for self-consistency the majority-vote prediction; as a Markdown table
 * and as an SVG plot of accuracy against mean tokens per question (drawn by hand: a few lines
 * of SVG need no plotting dependency).
 */
import type { EvalItem } from "./dataset.js";
import type { EvalRecord } from "./run.js";
import type { EvalStrategy } from "./spec.js";
import { majorityCorrectProbability, mean, percentile, wilson } from "./stats.js";

export interface StrategySummary {
  label: string;
  n: number;
  errors: number;
  accuracy: number;
  ci: [number, number];
  meanPromptTokens: number;
  meanCompletionTokens: number;
  meanTokens: number;
  meanCalls: number | null;
  meanCostUsd: number | null;
  p50Ms: number;
  p95Ms: number;
  /** Self-consistency: per-sample accuracy in the pool, and the predicted vote accuracy. */
  perSampleAccuracy?: number;
  predicted?: number;
  withinCi?: boolean;
}

export function summarize(strategy: EvalStrategy, records: EvalRecord[]): StrategySummary {
  const ok = records.filter((r) => !r.error);
  const k = records.filter((r) => r.correct).length;
  const calls = ok.map((r) => r.calls).filter((c): c is number => c !== null);
  const costs = ok.map((r) => r.costUsd).filter((c): c is number => c !== null);
  return {
    label: strategy.label,
    n: records.length,
    errors: records.length - ok.length,
    accuracy: k / records.length,
    ci: wilson(k, records.length),
    meanPromptTokens: mean(ok.map((r) => r.promptTokens)),
    meanCompletionTokens: mean(ok.map((r) => r.completionTokens)),
    meanTokens: mean(ok.map((r) => r.promptTokens + r.completionTokens)),
    meanCalls: calls.length ? mean(calls) : null,
    meanCostUsd: costs.length === ok.length && ok.length ? mean(costs) : null,
    p50Ms: percentile(records.map((r) => r.latencyMs), 50),
    p95Ms: percentile(records.map((r) => r.latencyMs), 95),
  };
}

/**
 * Adds the majority-vote prediction to each fixed-n self-consistency row, from the answers of the
 * largest self-consistency run (the pool). Rows with the pool's own n are not predicted from it.
 */
export function addPredictions(items: EvalItem[], rows: Array<{ strategy: EvalStrategy; records: EvalRecord[]; summary: StrategySummary }>): void {
  const sc = rows.filter((r) => r.strategy.strategy === "self-consistency" && !r.strategy.params.adaptive && r.records.some((x) => x.samples?.length));
  if (!sc.length) return;
  const pool = sc.reduce((a, b) => (Number(b.strategy.params.n ?? 8) > Number(a.strategy.params.n ?? 8) ? b : a));
  const poolN = Number(pool.strategy.params.n ?? 8);
  for (const row of sc) {
    const k = Number(row.strategy.params.n ?? 8);
    row.summary.perSampleAccuracy = mean(pool.records.map((r) => (r.samples ?? []).filter((s) => s === items[r.index]!.key).length / Math.max(1, r.samples?.length ?? 0)));
    if (k >= poolN) continue;
    const predicted = mean(pool.records.map((r) => majorityCorrectProbability(r.samples ?? [], items[r.index]!.key, k, 400, r.index + 1)));
    row.summary.predicted = predicted;
    row.summary.withinCi = predicted >= row.summary.ci[0] && predicted <= row.summary.ci[1];
  }
}

const f = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? "–" : v.toFixed(digits));

export function markdownTable(rows: StrategySummary[]): string {
  const head = "| strategy | n | accuracy | 95% CI | predicted (vote) | mean tokens (in / out) | mean calls | mean cost USD | p50 ms | p95 ms |";
  const sep = "|---|---:|---:|---|---:|---|---:|---:|---:|---:|";
  const lines = rows.map(
    (r) =>
      `| ${r.label} | ${r.n}${r.errors ? ` (${r.errors} err)` : ""} | ${f(r.accuracy * 100)}% | ${f(r.ci[0] * 100)}–${f(r.ci[1] * 100)}% | ${r.predicted === undefined ? "" : `${f(r.predicted * 100)}%${r.withinCi ? " ✓" : " ✗"}`} | ${f(r.meanTokens, 0)} (${f(r.meanPromptTokens, 0)} / ${f(r.meanCompletionTokens, 0)}) | ${f(r.meanCalls)} | ${r.meanCostUsd === null ? "–" : r.meanCostUsd.toExponential(3)} | ${f(r.p50Ms, 0)} | ${f(r.p95Ms, 0)} |`,
  );
  return [head, sep, ...lines].join("\n");
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Accuracy (y, with CI bars) against mean completion tokens per question (x, log scale). */
export function svgPlot(rows: StrategySummary[], title: string): string {
  const W = 720;
  const H = 440;
  const m = { l: 70, r: 30, t: 40, b: 60 };
  const xs = rows.map((r) => Math.max(1, r.meanCompletionTokens));
  const lx0 = Math.log10(Math.min(...xs) / 1.5);
  const lx1 = Math.log10(Math.max(...xs) * 1.5);
  const x = (v: number) => m.l + ((Math.log10(Math.max(1, v)) - lx0) / (lx1 - lx0 || 1)) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - v * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/><text x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${t * 10}%</text>`);
  }
  for (let e = Math.ceil(lx0); e <= Math.floor(lx1); e++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (Math.log10(v) < lx0 || Math.log10(v) > lx1) continue;
      parts.push(`<line x1="${x(v)}" x2="${x(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#f3f3f3"/><text x="${x(v)}" y="${H - m.b + 16}" text-anchor="middle">${v}</text>`);
    }
  }
  parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}" stroke="#333"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}" stroke="#333"/>`);
  parts.push(`<text x="${W / 2}" y="${H - 18}" text-anchor="middle">mean generated tokens per question (log scale)</text>`);
  parts.push(`<text transform="translate(18 ${H / 2}) rotate(-90)" text-anchor="middle">accuracy (95% CI)</text>`);
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  rows.forEach((r, i) => {
    const cx = x(r.meanCompletionTokens);
    const c = colors[i % colors.length]!;
    parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(r.ci[0])}" y2="${y(r.ci[1])}" stroke="${c}" stroke-width="2"/>`);
    parts.push(`<circle cx="${cx}" cy="${y(r.accuracy)}" r="5" fill="${c}"/>`);
    parts.push(`<text x="${cx + 8}" y="${y(r.accuracy) - 6 - (i % 2) * 12}" fill="${c}">${esc(r.label)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
