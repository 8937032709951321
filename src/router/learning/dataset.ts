/**
 * Routing data in the formats of `shared/data/routing`: strong/weak pairs
 * (`{prompt, strong, weak}`) and multi-model files (`{prompt, scores: {model: q}, costs: {model: usd}}`),
 * normalised to one row shape. Used by `octoroute router train|eval|calibrate` and the knn router.
 */
import { z } from "zod";

const pairRow = z.looseObject({ id: z.string().optional(), prompt: z.string(), strong: z.number(), weak: z.number() });
const multiRow = z.looseObject({
  id: z.string().optional(),
  prompt: z.string(),
  scores: z.record(z.string(), z.number()),
  costs: z.record(z.string(), z.number()).optional(),
});

export interface RoutingRow {
  id: string;
  prompt: string;
  /** Quality per model label in [0,1]. */
  quality: Record<string, number>;
  /** Cost per model label in USD, when the data has it. */
  cost?: Record<string, number>;
}

export interface RoutingDataset {
  kind: "pair" | "multi";
  /** Model labels in a stable order (`strong`, `weak` for pair files). */
  models: string[];
  rows: RoutingRow[];
  /** What loading left out (models or rows with missing outcomes), for the CLI to report. */
  notes: string[];
}

/** Parses JSONL text; throws naming the first bad line. */
export function parseRoutingJsonl(text: string, source = "data"): RoutingDataset {
  const rows: RoutingRow[] = [];
  let kind: RoutingDataset["kind"] | undefined;
  const models = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`${source}:${i + 1}: not JSON`);
    }
    const pair = pairRow.safeParse(raw);
    const multi = pair.success ? undefined : multiRow.safeParse(raw);
    if (!pair.success && !multi?.success) throw new Error(`${source}:${i + 1}: expected {prompt, strong, weak} or {prompt, scores, costs}`);
    const rowKind = pair.success ? "pair" : "multi";
    if (kind && kind !== rowKind) throw new Error(`${source}:${i + 1}: mixes pair and multi-model rows`);
    kind = rowKind;
    const id = (pair.success ? pair.data.id : multi!.data!.id) ?? `row-${i + 1}`;
    if (pair.success) {
      rows.push({ id, prompt: pair.data.prompt, quality: { strong: pair.data.strong, weak: pair.data.weak } });
    } else {
      const d = multi!.data!;
      for (const m of Object.keys(d.scores)) models.add(m);
      rows.push({ id, prompt: d.prompt, quality: d.scores, cost: d.costs });
    }
  });
  if (!kind) throw new Error(`${source}: no rows`);
  if (kind === "pair") return { kind, models: ["strong", "weak"], rows, notes: [] };
  return completeRows([...models].sort(), rows, source);
}

/**
 * Multi-model data is compared model against model over the same prompts, so every kept row must
 * score (and, where the file prices calls, price) every kept model: a missing outcome counted as 0
 * would make that model look worse than it is, and skipping it per model would compare models on
 * different prompts. Models scored on fewer than half the rows are left out; then rows that still
 * lack one of the kept models are. Both are reported in `notes`.
 */
function completeRows(all: string[], rows: RoutingRow[], source: string): RoutingDataset {
  const priced = rows.some((r) => r.cost !== undefined);
  const complete = (r: RoutingRow, m: string) => Number.isFinite(r.quality[m]) && (!priced || Number.isFinite(r.cost?.[m]));
  const notes: string[] = [];
  const models = all.filter((m) => rows.filter((r) => complete(r, m)).length * 2 >= rows.length);
  const droppedModels = all.filter((m) => !models.includes(m));
  if (droppedModels.length) notes.push(`${source}: left out ${droppedModels.join(", ")} (outcome${priced ? " or cost" : ""} missing on more than half the rows)`);
  const kept = rows.filter((r) => models.every((m) => complete(r, m)));
  if (kept.length < rows.length) notes.push(`${source}: left out ${rows.length - kept.length} of ${rows.length} rows that lack the outcome${priced ? " or cost" : ""} of a model`);
  if (!kept.length || models.length < 2) throw new Error(`${source}: no rows score the same two or more models`);
  return { kind: "multi", models, rows: kept, notes };
}

/** Deterministic k-fold split: fold of each row by a hash of its id (stable across runs and files). */
export function foldOf(id: string, k: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % k;
}
