/**
 * Routing data in the formats of `shared/data/routing`: strong/weak pairs
 * (`{prompt, strong, weak}`) and multi-model files (`{prompt, scores: {model: q}, costs: {model: usd}}`),
 * normalised to one row shape. Used by `octoroute router train|eval|calibrate` and the knn router.
 */
import { z } from "zod";
import { DataError, jsonlRecords } from "../../jsonl.js";

export { DataError };

/**
 * An outcome: a score in [0,1] (1/0 for right/wrong; other scales are mapped onto it, see
 * `scaleScores`), `true`/`false`, or null when the model was
 * not evaluated on the prompt (such rows are left out and reported, never scored 0).
 */
const outcome = z.union([z.number(), z.boolean().transform(Number), z.null()]);
/** Text of one chat message's content: a string or OpenAI content parts (text parts kept). */
const content = z.union([z.string(), z.array(z.looseObject({ text: z.string().optional() })).transform((parts) => parts.flatMap((p) => (p.text ? [p.text] : [])).join("\n"))]);
/**
 * The prompt as one text: a string, a list of turns (MT-Bench style) or OpenAI chat messages,
 * in `prompt`, `turns` or `messages`; turns are joined by blank lines, as a router reads a chat.
 */
const promptFields = {
  prompt: z.union([z.string(), z.array(z.string()), z.array(z.looseObject({ content }))]).optional(),
  turns: z.array(z.string()).optional(),
  messages: z.array(z.looseObject({ content })).optional(),
};
const promptRow = z.looseObject(promptFields);
const idField = z.union([z.string(), z.number().transform(String)]).optional();
const pairRow = z.looseObject({ id: idField, ...promptFields, strong: outcome, weak: outcome });
const multiRow = z.looseObject({
  id: idField,
  ...promptFields,
  scores: z.record(z.string(), outcome),
  costs: z.record(z.string(), z.number().nullable()).optional(),
});

function promptText(d: { prompt?: string | string[] | Array<{ content: string }>; turns?: string[]; messages?: Array<{ content: string }> }): string | undefined {
  const p = d.prompt ?? d.turns ?? d.messages;
  if (p === undefined) return undefined;
  if (typeof p === "string") return p;
  return p.map((t) => (typeof t === "string" ? t : t.content)).join("\n\n");
}

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

/**
 * The prompt of every line of a JSONL sample (routing data, or logged traffic): any row with a
 * prompt in one of the forms routing data takes (`prompt`, `turns` or `messages`); other fields
 * are ignored. Throws naming the first line without one.
 */
export function parsePromptsJsonl(text: string, source = "data"): string[] {
  const prompts: string[] = [];
  for (const { line, value } of jsonlRecords(text, source)) {
    const row = promptRow.safeParse(value);
    const prompt = row.success ? promptText(row.data) : undefined;
    if (prompt === undefined) throw new DataError(`${source}:${line}: no prompt (a string, a list of turns or chat messages, in "prompt", "turns" or "messages")`);
    prompts.push(prompt);
  }
  if (!prompts.length) throw new DataError(`${source}: no rows`);
  return prompts;
}

/** Parses JSONL text; throws naming the first bad line. */
export function parseRoutingJsonl(text: string, source = "data"): RoutingDataset {
  const rows: RoutingRow[] = [];
  let pairHoles = 0;
  let kind: RoutingDataset["kind"] | undefined;
  const models = new Set<string>();
  for (const { line, value: raw } of jsonlRecords(text, source)) {
    const pair = pairRow.safeParse(raw);
    const multi = pair.success ? undefined : multiRow.safeParse(raw);
    const data = pair.success ? pair.data : multi?.success ? multi.data : undefined;
    const prompt = data && promptText(data);
    if (!data || prompt === undefined) throw new DataError(`${source}:${line}: expected {prompt, strong, weak} or {prompt, scores, costs} (prompt: a string, a list of turns or chat messages; also as "turns" or "messages")`);
    const rowKind = pair.success ? "pair" : "multi";
    if (kind && kind !== rowKind) throw new DataError(`${source}:${line}: mixes pair and multi-model rows`);
    kind = rowKind;
    const id = data.id ?? `row-${line}`;
    if (pair.success) {
      const { strong, weak } = pair.data;
      if (strong === null || weak === null) {
        pairHoles++;
        continue;
      }
      rows.push({ id, prompt, quality: { strong, weak } });
    } else {
      const d = multi!.data!;
      for (const m of Object.keys(d.scores)) models.add(m);
      rows.push({ id, prompt, quality: defined(d.scores), cost: d.costs && defined(d.costs) });
    }
  }
  if (!kind) throw new DataError(`${source}: no rows`);
  if (kind === "pair") {
    if (!rows.length) throw new DataError(`${source}: no row has both outcomes`);
    return scaleScores({ kind, models: ["strong", "weak"], rows, notes: pairHoles ? [`${source}: left out ${pairHoles} row(s) without both outcomes`] : [] }, source);
  }
  return scaleScores(completeRows([...models].sort(), rows, source), source);
}

/**
 * Scores on another scale than [0, 1] (a judge's 1–10, a percentage) are mapped onto it, linearly,
 * by the file's own lowest and highest score: routers learn probabilities of a good answer, and
 * the report reads mean quality as a share. APGR and CPT are unchanged by a linear map; costs are
 * not touched. The note says so.
 */
function scaleScores(data: RoutingDataset, source: string): RoutingDataset {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of data.rows) for (const m of data.models) {
    const v = r.quality[m]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo >= 0 && hi <= 1) return data;
  if (!(hi > lo)) throw new DataError(`${source}: every score is ${lo}; nothing to route by`);
  for (const r of data.rows) for (const m of data.models) r.quality[m] = (r.quality[m]! - lo) / (hi - lo);
  return { ...data, notes: [...data.notes, `${source}: scores range over [${lo}, ${hi}], not [0, 1]; read as (score − ${lo}) / ${hi - lo}`] };
}

/** The entries with a value (null: not evaluated, left to `completeRows`). */
function defined(record: Record<string, number | null>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in record) if (record[k] !== null) out[k] = record[k]!;
  return out;
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
  if (!kept.length || models.length < 2) throw new DataError(`${source}: no rows score the same two or more models`);
  return { kind: "multi", models, rows: kept, notes };
}

/** Deterministic k-fold split: fold of each row by a hash of its id (stable across runs and files). */
export function foldOf(id: string, k: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % k;
}
