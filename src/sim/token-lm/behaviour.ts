/**
 * `ngram-moe`: the sim behaviour serving the token LM on chat, completions (with `echo` prompt
 * scoring) and Anthropic messages. Greedy (`temperature: 0`) is the argmax of the served
 * distribution; otherwise it samples at the request's temperature.
 *
 * Per-model options: `variant` ("moe" default, or "tiny") and `expertRanks` (default [1, 2]).
 * Per request, the body field `expert_ranks` (e.g. `[2]`) selects the expert activation — the
 * knob SCMoE's weak source turns, passed through by a model node's `extraBody`.
 */
import { rng } from "../random.js";
import type { GenInput, GenOutput, GenToken, SimBehaviour } from "../types.js";
import { type Distribution, EXPERTS, type LmVariant, type TokenLm, tokenLm } from "./model.js";
import { renderChat } from "./template.js";
import { lmTokenize } from "./tokenizer.js";

function activation(input: GenInput): { variant: LmVariant; ranks: number[] } {
  const opts = input.model.options ?? {};
  const variant: LmVariant = opts.variant === "tiny" ? "tiny" : "moe";
  const raw = input.body.expert_ranks ?? opts.expertRanks;
  const ranks = Array.isArray(raw) ? raw.map(Number).filter((r) => Number.isInteger(r) && r >= 1 && r <= EXPERTS) : [];
  return { variant, ranks: ranks.length ? ranks : [1, 2] };
}

function promptOf(input: GenInput): string {
  if (input.endpoint === "completion") return input.prompt;
  return renderChat(input.messages, input.body.continue_final_message === true);
}

function genToken(lm: TokenLm, dist: Distribution, id: number, text: string, k: number): GenToken {
  const top = lm.top(dist, k).map((t) => ({ token: lm.tokenOf(t), logprob: dist.logp[t]! }));
  const logprob = id >= 0 ? dist.logp[id]! : Math.min(...dist.logp.filter((x) => x > -Infinity));
  return { text, logprob, top, ...(id === lm.eos ? { token: lm.tokenOf(id) } : {}) };
}

function pick(dist: Distribution, temperature: number, u: number): number {
  const { logp } = dist;
  let total = 0;
  const w = new Float64Array(logp.length);
  const max = Math.max(...logp);
  for (let i = 0; i < logp.length; i++) total += w[i] = logp[i]! === -Infinity ? 0 : Math.exp((logp[i]! - max) / temperature);
  let acc = 0;
  for (let i = 0; i < w.length; i++) {
    acc += w[i]! / total;
    if (u < acc && w[i]! > 0) return i;
  }
  return w.findLastIndex((x) => x > 0);
}

export const ngramMoe: SimBehaviour = {
  name: "ngram-moe",
  generate(input: GenInput): GenOutput {
    const lm = tokenLm();
    const { variant, ranks } = activation(input);
    const temperature = typeof input.body.temperature === "number" ? input.body.temperature : 1;
    const stops = typeof input.body.stop === "string" ? [input.body.stop] : Array.isArray(input.body.stop) ? (input.body.stop as string[]) : [];
    const r = rng(input.seed);
    let text = promptOf(input);
    const start = text.length;
    const tokens: GenToken[] = [];
    for (let i = 0; i < input.maxTokens; i++) {
      const dist = lm.distribution(text, variant, ranks);
      const id = temperature === 0 ? lm.top(dist, 1)[0]! : pick(dist, temperature, r());
      if (id === lm.eos) {
        tokens.push(genToken(lm, dist, id, "", input.topLogprobs));
        return { tokens, finishReason: "stop" };
      }
      const token = lm.tokenOf(id);
      tokens.push(genToken(lm, dist, id, token, input.topLogprobs));
      text += token;
      if (stops.some((s) => s && text.slice(start).includes(s))) return { tokens, finishReason: "stop" };
    }
    return { tokens, finishReason: "length" };
  },
  scorePrompt(prompt: string, input: GenInput): GenToken[] {
    const lm = tokenLm();
    const { variant, ranks } = activation(input);
    const out: GenToken[] = [];
    let offset = 0;
    for (const token of lmTokenize(prompt)) {
      const dist = lm.distribution(prompt.slice(0, offset), variant, ranks);
      const id = lm.idOf(token);
      out.push(genToken(lm, dist, id < lm.eos && dist.logp[id]! > -Infinity ? id : -1, token, input.topLogprobs));
      offset += token.length;
    }
    return out;
  },
};
