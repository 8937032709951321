/**
 * Request features, computed once per request and shared by every router of the route (and by
 * the training/eval CLIs, so a router sees at serving time exactly what it was trained on). Cheap
 * by construction: one pass over a bounded window of the prompt, no allocation per character.
 */
import type { ChatMessage, ChatRequest } from "../api/schemas.js";

/** Domains recognised by keyword signals (the same names models carry as `tags`). */
export const DOMAINS = ["math", "code", "law", "medicine", "science", "finance", "general"] as const;
export type Domain = (typeof DOMAINS)[number];

const DOMAIN_WORDS: Record<Exclude<Domain, "general">, string[]> = {
  math: ["equation", "integral", "derivative", "solve", "theorem", "prove", "probability", "matrix", "polynomial", "calculate", "sum", "prime", "algebra", "geometry", "function", "ring", "group", "field", "log", "sqrt"],
  code: ["function", "python", "javascript", "typescript", "code", "bug", "compile", "class", "variable", "array", "return", "def", "const", "algorithm", "sql", "api", "program", "string", "list", "loop"],
  law: ["law", "legal", "court", "contract", "statute", "plaintiff", "defendant", "constitution", "liability", "tort", "jury", "attorney", "rights", "amendment", "judge", "felony", "crime"],
  medicine: ["patient", "disease", "symptom", "diagnosis", "treatment", "drug", "clinical", "medical", "dose", "blood", "cell", "infection", "cancer", "therapy", "syndrome", "virus", "anatomy"],
  science: ["physics", "chemistry", "biology", "energy", "electron", "molecule", "reaction", "force", "velocity", "atom", "gene", "protein", "species", "mass", "charge", "wave"],
  finance: ["price", "market", "interest", "tax", "revenue", "cost", "stock", "bank", "investment", "profit", "economy", "inflation", "loan", "asset", "accounting"],
};

const ARITHMETIC = /\d(?:\s*[+*×÷^]\s*|\s+[-/−]\s+)\(?\d/g;

const WORD_DOMAIN = new Map<string, Exclude<Domain, "general">[]>();
for (const [domain, words] of Object.entries(DOMAIN_WORDS) as Array<[Exclude<Domain, "general">, string[]]>) {
  for (const w of words) WORD_DOMAIN.set(w, [...(WORD_DOMAIN.get(w) ?? []), domain]);
}

export interface RequestFeatures {
  /** Text the routers read: the conversation's user/system text, bounded (see MAX_TEXT_CHARS). */
  text: string;
  /** Estimated prompt tokens (≈4 characters per token over all messages). */
  promptTokens: number;
  /** Number of messages, and of user turns. */
  messages: number;
  turns: number;
  hasTools: boolean;
  hasImages: boolean;
  jsonMode: boolean;
  /** Fenced or indented code blocks in the prompt. */
  codeBlocks: number;
  /** Share of characters that are digits or math operators, in [0,1]. */
  mathDensity: number;
  /** Script of the prompt: `latin`, `cjk`, `cyrillic`, `arabic`, `other`. */
  language: string;
  /** Keyword hits per domain. */
  domains: Record<Domain, number>;
  /** Strongest domain signal (`general` when none). */
  domain: Domain;
  /** `x-octoroute-meta-*` request headers, without the prefix (tenant metadata). */
  meta: Record<string, string>;
  tenant: string;
  /** Requested max output tokens, when the request sets one. */
  maxOutputTokens?: number;
}

/** Routers read at most this much of the prompt: its head (a third) and its tail (where the question usually is). Bounded so a decision costs the same for any prompt length; on mmlu-dev 1,200–6,000 characters score alike. */
export const MAX_TEXT_CHARS = 1500;

function partText(content: ChatMessage["content"]): { text: string; images: boolean } {
  if (typeof content === "string") return { text: content, images: false };
  if (!Array.isArray(content)) return { text: "", images: false };
  let text = "";
  let images = false;
  for (const p of content) {
    const t = (p as Record<string, unknown>).text;
    if (p.type === "text" && typeof t === "string") text += (text ? "\n" : "") + t;
    else if (p.type === "image_url" || p.type === "input_image" || p.type === "image") images = true;
  }
  return { text, images };
}

/** Keeps the head and tail of a long text. */
export function boundText(text: string, max = MAX_TEXT_CHARS): string {
  if (text.length <= max) return text;
  const head = Math.floor(max / 3);
  return `${text.slice(0, head)}\n${text.slice(text.length - (max - head))}`;
}

/** Features of a bare prompt (training data, eval, and the text part of a chat request). */
export function textFeatures(prompt: string, extra: Partial<RequestFeatures> = {}): RequestFeatures {
  const text = boundText(prompt);
  let digits = 0;
  let letters = 0;
  let cjk = 0;
  let cyr = 0;
  let arab = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42 || c === 47 || c === 61 || c === 94 || c === 92) digits++;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters++;
    else if (c >= 0x4e00 && c <= 0x9fff) cjk++;
    else if (c >= 0x0400 && c <= 0x04ff) cyr++;
    else if (c >= 0x0600 && c <= 0x06ff) arab++;
  }
  const language = cjk > letters / 4 ? "cjk" : cyr > letters ? "cyrillic" : arab > letters ? "arabic" : letters > 0 ? "latin" : "other";
  const domains = Object.fromEntries(DOMAINS.map((d) => [d, 0])) as Record<Domain, number>;
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  for (const w of words) for (const d of WORD_DOMAIN.get(w) ?? []) domains[d]++;
  // An arithmetic expression ("12*7", "3.5 + 2", "10 / 4") is a math question however it is
  // worded; it weighs as two keywords, enough on its own. Dates (11/30/2026) and ranges (10-20)
  // are not expressions: `/` and `-` count only with spaces around them.
  domains.math += 2 * (text.match(ARITHMETIC)?.length ?? 0);
  let domain: Domain = "general";
  let best = 1;
  for (const d of DOMAINS) if (d !== "general" && domains[d] > best) ((best = domains[d]), (domain = d));
  const codeBlocks = (text.match(/```/g)?.length ?? 0) / 2;
  return {
    text,
    promptTokens: Math.ceil(prompt.length / 4),
    messages: 1,
    turns: 1,
    hasTools: false,
    hasImages: false,
    jsonMode: false,
    codeBlocks: Math.floor(codeBlocks),
    mathDensity: text.length ? digits / text.length : 0,
    language,
    domains,
    domain,
    meta: {},
    tenant: "",
    ...extra,
  };
}

/** Features of a chat request: text features of its conversation plus its structure and metadata. */
export function requestFeatures(request: ChatRequest, headers: Record<string, string>, tenant: string): RequestFeatures {
  let text = "";
  let chars = 0;
  let images = false;
  let turns = 0;
  for (const m of request.messages) {
    const part = partText(m.content);
    chars += part.text.length + 8;
    images ||= part.images;
    if (m.role === "user") turns++;
    if (m.role === "user" || m.role === "system" || m.role === "developer") text += (text ? "\n" : "") + part.text;
  }
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (k.startsWith("x-octoroute-meta-")) meta[k.slice(17)] = v;
  const format = request.response_format?.type;
  const f = textFeatures(text, {
    messages: request.messages.length,
    turns,
    hasTools: (request.tools?.length ?? 0) > 0,
    hasImages: images,
    jsonMode: format === "json_object" || format === "json_schema",
    meta,
    tenant,
    maxOutputTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
  });
  f.promptTokens = Math.ceil(chars / 4);
  return f;
}
