/**
 * Runs a dataset through a gateway over HTTP, once per strategy: each question is one chat
 * request with the strategy in the `octoroute` field (and `trace` for self-consistency, so the
 * report can predict majority-vote accuracy from the sampled answers). Measures correctness,
 * tokens, calls, cost and latency per request.
 */
import { extractAnswer } from "../strategies/answers.js";
import type { EvalItem } from "./dataset.js";
import type { EvalStrategy } from "./spec.js";

export interface EvalTarget {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** Requests in flight at once. */
  concurrency: number;
  /** Extra system prompt before each question (e.g. the answer format). */
  system?: string;
}

export interface EvalRecord {
  index: number;
  correct: boolean;
  answer: string;
  promptTokens: number;
  completionTokens: number;
  calls: number | null;
  costUsd: number | null;
  latencyMs: number;
  /** Sample answer keys (self-consistency traces). */
  samples?: string[];
  error?: string;
}

async function one(target: EvalTarget, strategy: EvalStrategy, item: EvalItem, index: number): Promise<EvalRecord> {
  const octoroute = strategy.strategy === "none" ? undefined : { strategy: strategy.strategy, ...strategy.params, ...(strategy.strategy === "self-consistency" ? { trace: true } : {}) };
  const messages = [...(target.system ? [{ role: "system", content: target.system }] : []), { role: "user", content: item.question }];
  const started = performance.now();
  const res = await fetch(`${target.baseUrl.replace(/\/+$/, "")}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${target.apiKey}` },
    body: JSON.stringify({ model: target.model, messages, ...(octoroute ? { octoroute } : {}) }),
  });
  const latencyMs = performance.now() - started;
  const body = (await res.json()) as {
    choices?: Array<{ message?: { content?: string | null } }>;
    usage?: { prompt_tokens?: number; completion_tokens?: number };
    octoroute?: { budget?: { calls_used?: number }; trace?: { candidates?: Array<{ answer?: string }> } };
    error?: { message?: string };
  };
  if (!res.ok) return { index, correct: false, answer: "", promptTokens: 0, completionTokens: 0, calls: null, costUsd: null, latencyMs, error: body.error?.message ?? `HTTP ${res.status}` };
  const text = body.choices?.[0]?.message?.content ?? "";
  const answer = extractAnswer(text).key;
  const cost = res.headers.get("x-octoroute-cost-usd");
  return {
    index,
    correct: answer === item.key,
    answer,
    promptTokens: body.usage?.prompt_tokens ?? 0,
    completionTokens: body.usage?.completion_tokens ?? 0,
    calls: body.octoroute?.budget?.calls_used ?? (strategy.strategy === "none" ? 1 : null),
    costUsd: cost === null || cost === "unknown" ? null : Number(cost),
    latencyMs,
    samples: body.octoroute?.trace?.candidates?.map((c) => c.answer ?? ""),
  };
}

/** All items through one strategy, `concurrency` at a time; `onProgress(done)` after each. */
export async function runStrategy(target: EvalTarget, strategy: EvalStrategy, items: EvalItem[], onProgress?: (done: number) => void): Promise<EvalRecord[]> {
  const out: EvalRecord[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i] = await one(target, strategy, items[i]!, i);
      } catch (err) {
        out[i] = { index: i, correct: false, answer: "", promptTokens: 0, completionTokens: 0, calls: null, costUsd: null, latencyMs: 0, error: (err as Error).message };
      }
      onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, target.concurrency) }, worker));
  return out;
}
