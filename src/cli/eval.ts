/**
 * `octoroute eval`: accuracy, tokens, calls, cost and latency per inference-time strategy on a
 * dataset of questions with known answers, as a table and an SVG plot. By default it starts the
 * sim task world and a gateway in-process; `--base-url` + `--api-key` point it at any gateway
 * (which may front real providers).
 *
 *   octoroute eval --dataset ../shared/data/tasks/gsm8k-train.jsonl --limit 300 \
 *     --model math-small --strategies "none,sc:n=4,sc:n=16,bon:n=16,pf:n=16,rebase:w=16,plansearch" --out eval-out
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadDataset } from "../eval/dataset.js";
import { addPredictions, markdownTable, type StrategySummary, summarize, svgPlot } from "../eval/report.js";
import { type EvalRecord, runStrategy } from "../eval/run.js";
import { parseStrategies } from "../eval/spec.js";
import { startEvalStack } from "../eval/stack.js";

export const usage = `usage: octoroute eval --dataset FILE [--model NAME | --route NAME] [--strategies LIST]
  [--limit N] [--offset N] [--concurrency N] [--base-url URL --api-key KEY] [--out DIR]
  [--system TEXT] [--prm-noise X]
strategies: none, sc:n=4, asc:n=16 (adaptive), bon:n=16, pf:n=16, rebase:w=16, plansearch (params as :key=value)`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: "string" },
      model: { type: "string" },
      route: { type: "string" },
      strategies: { type: "string", default: "none,sc:n=4,sc:n=16,bon:n=16,pf:n=16,rebase:w=16,plansearch" },
      limit: { type: "string", default: "300" },
      offset: { type: "string", default: "0" },
      concurrency: { type: "string", default: "8" },
      "base-url": { type: "string" },
      "api-key": { type: "string" },
      out: { type: "string" },
      system: { type: "string" },
      "prm-noise": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || !values.dataset) {
    process.stdout.write(`${usage}\n`);
    return values.help ? 0 : 2;
  }
  const strategies = parseStrategies(values.strategies!);
  const items = loadDataset(values.dataset, Number(values.offset), Number(values.limit));
  const external = values["base-url"];
  if (external && !values["api-key"]) {
    process.stderr.write("--base-url needs --api-key\n");
    return 2;
  }
  const stack = external ? null : await startEvalStack({ prmNoise: values["prm-noise"] === undefined ? undefined : Number(values["prm-noise"]) });
  const model = values.route ?? values.model ?? "math-small";
  const target = { baseUrl: external ?? stack!.baseUrl, apiKey: values["api-key"] ?? stack!.apiKey, model, concurrency: Number(values.concurrency), system: values.system };
  // One warm-up request (connections, the sim's lazy task load) so it does not count as latency.
  await runStrategy({ ...target, concurrency: 1 }, { label: "warm-up", strategy: "none", params: {} }, items.slice(0, 1));
  const rows: Array<{ strategy: (typeof strategies)[number]; records: EvalRecord[]; summary: StrategySummary }> = [];
  try {
    for (const s of strategies) {
      const started = Date.now();
      const records = await runStrategy(target, s, items, (done) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${s.label}: ${done}/${items.length}`);
      });
      const summary = summarize(s, records);
      rows.push({ strategy: s, records, summary });
      process.stderr.write(`\r${s.label}: ${items.length} questions in ${((Date.now() - started) / 1000).toFixed(1)} s, accuracy ${(summary.accuracy * 100).toFixed(1)}%${summary.errors ? `, ${summary.errors} errors (first: ${records.find((r) => r.error)?.error})` : ""}\n`);
    }
  } finally {
    await stack?.close();
  }
  addPredictions(items, rows);
  const table = markdownTable(rows.map((r) => r.summary));
  const header = `${items.length} questions from ${values.dataset} (offset ${values.offset}), model ${model}${stack ? " on the sim task world (in-process)" : ` via ${external}`}`;
  process.stdout.write(`${header}\n\n${table}\n`);
  const pool = rows.find((r) => r.summary.perSampleAccuracy !== undefined)?.summary.perSampleAccuracy;
  if (pool !== undefined) process.stdout.write(`\nper-sample accuracy in the largest self-consistency pool: ${(pool * 100).toFixed(1)}%; "predicted (vote)" = majority-vote accuracy predicted from that pool's per-question answer distributions (✓ = inside the measured 95% CI)\n`);
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, "table.md"), `${header}\n\n${table}\n`);
    writeFileSync(join(values.out, "plot.svg"), svgPlot(rows.map((r) => r.summary), `accuracy vs tokens — ${model}, ${items.length} questions`));
    writeFileSync(join(values.out, "results.json"), JSON.stringify(rows.map((r) => ({ ...r.summary, records: r.records })), null, 1));
    process.stdout.write(`wrote ${join(values.out, "table.md")}, plot.svg, results.json\n`);
  }
  return 0;
}
