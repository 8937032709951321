/**
 * A stack with the sim task world: solver models of two skills (one that honours n>1, one that
 * does not), a PRM endpoint and a judge, wired as catalog models and verifiers.
 */
import type { SimModelConfig } from "../../src/sim/types.js";
import { type Stack, type StackOptions, startStack } from "./stack.js";

export const TASK_SIM_MODELS: SimModelConfig[] = [
  { name: "solver", behaviour: "solver", skill: 0.6, ttftMs: 1 },
  { name: "solver-single", behaviour: "solver", skill: 0.6, ttftMs: 1, supportsN: false },
  { name: "solver-slow", behaviour: "solver", skill: 0.6, ttftMs: 400, supportsN: false },
  { name: "judge", behaviour: "judge", skill: 0.8 },
  { name: "prm", options: { signal: 2, noise: 0.5 } },
  { name: "sim-small", ttftMs: 5 },
];

/** Config patch: task-world models, verifiers, and a `math` route with a default strategy. */
export function taskWorldPatch(cfg: Record<string, unknown>): void {
  const models = cfg.models as Record<string, unknown>;
  const price = { input: 0.5, output: 1.5 };
  models.math = { provider: "sim", upstreamModel: "solver", price, capabilities: { assistantPrefix: true } };
  models["math-completions"] = { provider: "sim", upstreamModel: "solver-single", price, capabilities: { completions: true, n: false } };
  models["math-plain"] = { provider: "sim", upstreamModel: "solver", price, capabilities: { logprobs: false } };
  models["math-single"] = { provider: "sim", upstreamModel: "solver-single", price };
  models["math-slow"] = { provider: "sim", upstreamModel: "solver-slow", price, capabilities: { assistantPrefix: true, n: false } };
  models["math-judged"] = { provider: "sim", upstreamModel: "solver", price };
  models.judge = { provider: "sim", price: { input: 0.2, output: 0.4 } };
  models.prm = { provider: "sim", price: { input: 0.1, output: 0 } };
  cfg.verifiers = {
    prm: { type: "reward-model", model: "prm", for: ["math", "math-completions", "math-single", "math-slow", "math-route"] },
    judge: { type: "llm-judge", model: "judge", pairwise: true, for: ["math-judged"] },
  };
  (cfg.routes as Record<string, unknown>)["math-route"] = { model: "math", strategy: { name: "self-consistency", n: 3 } };
}

export function startTaskWorld(opts: StackOptions = {}): Promise<Stack> {
  return startStack({
    ...opts,
    sim: { models: TASK_SIM_MODELS, ...opts.sim },
    patch: (cfg) => {
      taskWorldPatch(cfg);
      opts.patch?.(cfg);
    },
  });
}
