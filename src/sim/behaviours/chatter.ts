/**
 * `chatter`: the default sim model. Writes deterministic filler text from a small vocabulary,
 * calls a tool when tools are offered, writes JSON for JSON modes, and gives logprobs that are the
 * real log-probabilities of the distribution it sampled from.
 */
import { rng, tokenize } from "../random.js";
import { sampleFromSchema } from "../schema-sample.js";
import type { GenInput, GenOutput, GenToken, SimBehaviour } from "../types.js";

const VOCAB = [" the", " model", " answers", " a", " question", " with", " care", " and", " numbers", " route", " gateway", " token", " cost", " quality", " is", " fast", " simple", " result", " for", " you"];

/** Softmax weights over the vocabulary for a step, from the seed: a peaked but non-trivial distribution. */
function stepDistribution(r: () => number): number[] {
  const logits = VOCAB.map(() => r() * 4);
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => Math.log(e / sum));
}

function sample(logps: number[], u: number): number {
  let acc = 0;
  for (let i = 0; i < logps.length; i++) {
    acc += Math.exp(logps[i]!);
    if (u < acc) return i;
  }
  return logps.length - 1;
}

export function tokensFromText(text: string, topK: number): GenToken[] {
  return tokenize(text).map((t) => ({ text: t, logprob: -0.05, top: topK > 0 ? [{ token: t, logprob: -0.05 }] : [] }));
}

/** Arguments that satisfy the tool's parameter schema (`{}` when it declares none). */
function toolArguments(tool: Record<string, unknown>, r: () => number): string {
  const params = (tool.function as Record<string, unknown> | undefined)?.parameters;
  return JSON.stringify(params && typeof params === "object" ? sampleFromSchema({ type: "object", ...(params as object) }, r) : {});
}

export const chatter: SimBehaviour = {
  name: "chatter",
  generate(input: GenInput): GenOutput {
    const r = rng(input.seed);
    const body = input.body;
    const tools = Array.isArray(body.tools) ? (body.tools as Array<Record<string, unknown>>) : [];
    const choice = body.tool_choice;
    const lastRole = input.messages.at(-1)?.role;
    if (tools.length && choice !== "none" && lastRole !== "tool") {
      const named = typeof choice === "object" && choice ? ((choice as { function?: { name?: string } }).function?.name ?? undefined) : undefined;
      const tool = tools.find((t) => (t.function as { name?: string } | undefined)?.name === named) ?? tools[0]!;
      const name = String((tool.function as { name?: string }).name ?? "tool");
      return { tokens: [], finishReason: "tool_calls", toolCalls: [{ name, arguments: toolArguments(tool, r) }] };
    }
    const format = (body.response_format as { type?: string } | undefined)?.type;
    if (format === "json_object" || format === "json_schema") {
      const schema = ((body.response_format as { json_schema?: { schema?: unknown } }).json_schema?.schema ?? {}) as Record<string, unknown>;
      const json = format === "json_schema" ? JSON.stringify(sampleFromSchema(schema, r)) : JSON.stringify({ answer: "sim", value: Math.floor(r() * 100) });
      return { tokens: tokensFromText(json, input.topLogprobs), finishReason: "stop" };
    }
    const target = 8 + Math.floor(r() * 24);
    const n = Math.min(target, input.maxTokens);
    const tokens: GenToken[] = [];
    for (let i = 0; i < n; i++) {
      const logps = stepDistribution(r);
      const pick = sample(logps, r());
      const order = logps.map((lp, j) => ({ token: VOCAB[j]!, logprob: lp })).sort((a, b) => b.logprob - a.logprob);
      tokens.push({ text: i === 0 ? VOCAB[pick]!.trimStart() : VOCAB[pick]!, logprob: logps[pick]!, top: order.slice(0, input.topLogprobs) });
    }
    if (n === target) tokens.push({ text: ".", logprob: -0.01, top: input.topLogprobs ? [{ token: ".", logprob: -0.01 }] : [] });
    return { tokens, finishReason: n < target ? "length" : "stop" };
  },
};
