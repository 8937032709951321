/**
 * Answer extraction and equivalence, shared by every voting strategy. Voting is only as good as
 * the key it votes on: "$1,200.00", "1200" and "The answer is 1200 dollars" must be one answer,
 * a lone "(B)" must be the letter B, and free text that extracts to nothing still has to cluster.
 */

/** What an answer was recognised as; `key` is what votes are counted on. */
export interface ExtractedAnswer {
  kind: "number" | "choice" | "code" | "text";
  /** Canonical key: equal keys mean equivalent answers. */
  key: string;
  /** The answer as found in the text (for traces). */
  raw: string;
}

const NUMBER = /-?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\/\d+)?/g;

/** Canonical form of a number written in text: commas, `$`, units and trailing zeros dropped. */
export function normalizeNumber(raw: string): string | null {
  let text = raw.replace(/[$€£,\s]/g, "").replace(/%$/, "");
  text = text.replace(/[A-Za-z]+$/, "");
  const frac = /^(-?\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(text);
  let value: number;
  if (frac) value = Number(frac[1]) / Number(frac[2]);
  else {
    if (!/^-?\d+(?:\.\d+)?\.?$/.test(text)) return null;
    value = Number(text.replace(/\.$/, ""));
  }
  if (!Number.isFinite(value)) return null;
  // 18 == 18.0 == "18.00"; 0.1+0.2 style noise is rounded away at 1e-9.
  const rounded = Math.round(value * 1e9) / 1e9;
  return Object.is(rounded, -0) ? "0" : String(rounded);
}

function lastNumberIn(text: string): string | null {
  const matches = text.match(NUMBER);
  if (!matches) return null;
  for (let i = matches.length - 1; i >= 0; i--) {
    const n = normalizeNumber(matches[i]!);
    if (n !== null) return n;
  }
  return null;
}

/** The content of the last `\boxed{...}`, balancing nested braces. */
export function lastBoxed(text: string): string | null {
  const at = text.lastIndexOf("\\boxed{");
  if (at < 0) return null;
  let depth = 0;
  for (let i = at + 6; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}") {
      depth--;
      if (depth === 0) return text.slice(at + 7, i);
    }
  }
  return null;
}

const CHOICE = /^\(?([A-J])\)?[.:)]?$/;

function choiceOf(text: string): string | null {
  const t = text.trim().replace(/\*+/g, "");
  const m = CHOICE.exec(t);
  return m ? m[1]! : null;
}

/** The last fenced code block, whitespace-normalised (so formatting differences vote together). */
export function lastCodeBlock(text: string): string | null {
  const blocks = [...text.matchAll(/```[\w+-]*\n([\s\S]*?)```/g)];
  const last = blocks.at(-1);
  return last ? last[1]! : null;
}

function normalizeCode(code: string): string {
  return code
    .split("\n")
    .map((l) => l.replace(/#.*$|\/\/.*$/, "").replace(/\s+$/, ""))
    .filter((l) => l.trim() !== "")
    .join("\n")
    .replace(/[ \t]+/g, " ");
}

function firstNumberIn(text: string): string | null {
  for (const m of text.match(NUMBER) ?? []) {
    const n = normalizeNumber(m);
    if (n !== null) return n;
  }
  return null;
}

function fromMarked(segment: string, raw: string): ExtractedAnswer {
  const choice = choiceOf(segment);
  if (choice) return { kind: "choice", key: `choice:${choice}`, raw };
  // The marked answer is the first number after the marker ("The answer is 42 (checked 3 times)").
  const n = firstNumberIn(segment);
  if (n !== null) return { kind: "number", key: `number:${n}`, raw };
  return { kind: "text", key: `text:${normalizeText(segment)}`, raw };
}

/**
 * Finds the final answer of a response: `#### n`, "The answer is …", `\boxed{…}`, "Answer: (C)",
 * a lone option letter, a code block, or the last number; else the normalised text.
 */
export function extractAnswer(text: string): ExtractedAnswer {
  const body = text.trim();
  const hashes = /####\s*([^\n]+)/.exec(body.slice(body.lastIndexOf("####")));
  if (body.includes("####") && hashes) return fromMarked(hashes[1]!, hashes[0]);
  const boxed = lastBoxed(body);
  if (boxed !== null) return fromMarked(boxed, `\\boxed{${boxed}}`);
  const said = [...body.matchAll(/(?:the (?:final )?answer is|answer:)\s*:?\s*([^\n]*)/gi)].at(-1);
  if (said) {
    const segment = said[1]!.replace(/\.$/, "");
    if (segment.trim()) return fromMarked(segment, said[0]);
  }
  const lone = choiceOf(body);
  if (lone) return { kind: "choice", key: `choice:${lone}`, raw: body };
  const code = lastCodeBlock(body);
  if (code !== null) return { kind: "code", key: `code:${normalizeCode(code)}`, raw: code };
  const n = lastNumberIn(body);
  if (n !== null) return { kind: "number", key: `number:${n}`, raw: n };
  return { kind: "text", key: `text:${normalizeText(body)}`, raw: body };
}

/** True when two responses give the same final answer. */
export function sameAnswer(a: string, b: string): boolean {
  return extractAnswer(a).key === extractAnswer(b).key;
}

export function normalizeText(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, " ").trim();
}

/** The numeric value of an answer key (`number:18`), or null. */
export function numericValue(key: string): number | null {
  return key.startsWith("number:") ? Number(key.slice(7)) : null;
}

/** Word-bigram Jaccard similarity in [0,1], for clustering answers that extract to free text. */
export function similarity(a: string, b: string): number {
  const grams = (t: string) => {
    const w = normalizeText(t).split(" ").filter(Boolean);
    const s = new Set<string>();
    for (let i = 0; i < w.length; i++) s.add(i + 1 < w.length ? `${w[i]} ${w[i + 1]}` : w[i]!);
    return s;
  };
  const x = grams(a);
  const y = grams(b);
  if (x.size === 0 && y.size === 0) return 1;
  let inter = 0;
  for (const g of x) if (y.has(g)) inter++;
  return inter / (x.size + y.size - inter);
}
