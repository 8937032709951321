/**
 * Stack for the token-level decoding tests and bench: the sim's token LM (`sim-moe`, the tiny
 * weak model) with instant timing, and catalog nodes for each way of reaching it — completions
 * with a chat template and echo (the default pair), assistant-prefix continuation, and models
 * lacking logprobs or continuation (for the capability errors).
 */
import { DEFAULT_SIM_MODELS } from "../../src/sim/server.js";
import { tokenLm } from "../../src/sim/token-lm/model.js";
import { SIM_CHAT_TEMPLATE } from "../../src/sim/token-lm/template.js";
import { type Stack, type StackOptions, startStack } from "./stack.js";

const completions = { completions: true, echo: true, assistantPrefix: false };

/** Catalog nodes of the decoding stack. */
export const decodingModels = {
  "sim-moe": { provider: "sim", price: { input: 0.5, output: 1.5 }, capabilities: completions, chatTemplate: SIM_CHAT_TEMPLATE, weak: "sim-moe-weak" },
  // The same MoE with one lower-ranked expert active (SCMoE's weak activation), cheaper to run.
  "sim-moe-weak": { provider: "sim", upstreamModel: "sim-moe", price: { input: 0.2, output: 0.6 }, capabilities: completions, chatTemplate: SIM_CHAT_TEMPLATE, extraBody: { expert_ranks: [2] } },
  "sim-lm-tiny": { provider: "sim", price: { input: 0.05, output: 0.1 }, capabilities: completions, chatTemplate: SIM_CHAT_TEMPLATE },
  // Reached by assistant-prefix continuation on the chat endpoint (no completions, no echo).
  "sim-moe-chat": { provider: "sim", upstreamModel: "sim-moe", price: { input: 0.5, output: 1.5 }, capabilities: { completions: false, assistantPrefix: true }, weak: "sim-moe-chat-weak" },
  "sim-moe-chat-weak": { provider: "sim", upstreamModel: "sim-moe", price: { input: 0.2, output: 0.6 }, capabilities: { completions: false, assistantPrefix: true }, extraBody: { expert_ranks: [2] } },
  "sim-moe-nolp": { provider: "sim", upstreamModel: "sim-moe", price: { input: 0.5, output: 1.5 }, capabilities: { ...completions, logprobs: false }, chatTemplate: SIM_CHAT_TEMPLATE },
  "sim-moe-notemplate": { provider: "sim", upstreamModel: "sim-moe", price: { input: 0.5, output: 1.5 }, capabilities: completions },
  "sim-moe-badtemplate": { provider: "sim", upstreamModel: "sim-moe", price: { input: 0.5, output: 1.5 }, capabilities: completions, chatTemplate: "{% for m in messages %}{{ m.content }" },
};

/** Sim models for decoding: the token LMs without artificial latency unless asked. */
export function decodingSimModels(timing: { ttftMs?: number; tokensPerSecond?: number } = {}) {
  return DEFAULT_SIM_MODELS.map((m) => (m.behaviour === "ngram-moe" ? { ...m, ttftMs: timing.ttftMs ?? 0, tokensPerSecond: timing.tokensPerSecond ?? 0 } : m));
}

export function startDecodingStack(opts: StackOptions & { timing?: { ttftMs?: number; tokensPerSecond?: number } } = {}): Promise<Stack> {
  // Build the LM before the first request, so no upstream call waits on it (and times out).
  tokenLm();
  return startStack({
    ...opts,
    sim: { models: decodingSimModels(opts.timing), ...opts.sim },
    patch: (cfg) => {
      Object.assign(cfg.models as Record<string, unknown>, decodingModels);
      opts.patch?.(cfg);
    },
  });
}
