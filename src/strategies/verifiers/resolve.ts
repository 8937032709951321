/**
 * Picks the verifier for a request: the one named by `octoroute.verifier`, else the first
 * configured verifier scoped to the request's route or model (or unscoped). Strategies that need
 * one fail with a 400 saying so when none applies.
 */
import { invalidParam } from "../../api/errors.js";
import type { VerifierConfig } from "../../config/strategies.js";
import type { ModelClient } from "../../models/model-client.js";
import { capabilityMissing } from "../params.js";
import type { StrategyContext, StrategyEnv } from "../types.js";
import { llmJudgeVerifier } from "./judge.js";
import { rewardModelVerifier } from "./reward-model.js";
import type { Verifier } from "./types.js";

export interface VerifierChoice {
  name: string;
  config: VerifierConfig;
}

/**
 * The verifier config for this request, or null. `want` restricts the type (e.g. particle
 * filtering wants a process reward model); a named verifier of another type is a 400.
 */
export function findVerifier(env: StrategyEnv | undefined, client: ModelClient, named: string | undefined, want?: VerifierConfig["type"]): VerifierChoice | null {
  const all = env?.verifiers ?? {};
  if (named) {
    const config = all[named];
    if (!config) throw invalidParam("octoroute.verifier", `Unknown verifier "${named}". Configured: ${Object.keys(all).join(", ") || "(none)"}.`);
    if (want && config.type !== want) throw invalidParam("octoroute.verifier", `Verifier "${named}" is a ${config.type}; this strategy needs a ${want}.`);
    return { name: named, config };
  }
  const applies = (c: VerifierConfig) => c.for.length === 0 || c.for.includes(client.node.name) || (env?.route !== undefined && c.for.includes(env.route));
  const scoped = Object.entries(all).filter(([, c]) => applies(c) && (!want || c.type === want));
  // Verifiers scoped explicitly beat unscoped ones.
  scoped.sort(([, a], [, b]) => Number(b.for.length > 0) - Number(a.for.length > 0));
  const hit = scoped[0];
  return hit ? { name: hit[0], config: hit[1] } : null;
}

/** Like findVerifier but a 400 when none applies. */
export function requireVerifier(strategy: string, env: StrategyEnv | undefined, client: ModelClient, named: string | undefined, want?: VerifierConfig["type"]): VerifierChoice {
  const found = findVerifier(env, client, named, want);
  if (!found) {
    throw capabilityMissing(strategy, want ? `a verifier of type ${want}` : "a verifier", `none is configured for model "${client.node.name}"${env?.route ? ` or route "${env.route}"` : ""} (config \`verifiers:\`).`);
  }
  return found;
}

/** Builds the verifier for a context. */
export function createVerifier(choice: VerifierChoice, ctx: StrategyContext): Verifier {
  return choice.config.type === "reward-model" ? rewardModelVerifier(choice.name, choice.config, ctx) : llmJudgeVerifier(choice.name, choice.config, ctx);
}
