/**
 * A process reward model over HTTP: `POST {path}` with `{model, question, steps}` returning
 * `{step_scores: number[], outcome_score?: number, usage?}` — the shape of the sim PRM, and easy
 * to put in front of any PRM server. One metered call per candidate (purpose `reward`).
 */
import { GatewayError } from "../../api/errors.js";
import type { ModelClient } from "../../models/model-client.js";
import type { StrategyContext } from "../types.js";
import { guarded } from "../context.js";
import type { Verifier } from "./types.js";
import type { VerifierConfig } from "../../config/strategies.js";

type RewardConfig = Extract<VerifierConfig, { type: "reward-model" }>;

export function rewardModelVerifier(name: string, config: RewardConfig, ctx: StrategyContext): Verifier {
  const client: ModelClient = ctx.client.forNode(config.model);
  const one = async (question: string, steps: string[]): Promise<number[] | null> => {
    const res = await guarded(ctx, (signal) => client.postJson(config.path, { model: client.node.upstreamModel, question, steps }, { signal, purpose: "reward" }));
    if (res === null) return null;
    const body = res as { step_scores?: unknown; outcome_score?: unknown };
    const scores = Array.isArray(body.step_scores) ? body.step_scores.map(Number) : typeof body.outcome_score === "number" ? [body.outcome_score] : null;
    if (!scores || scores.some((s) => !Number.isFinite(s))) {
      throw new GatewayError(`Reward model "${config.model}" returned no step_scores.`, { status: 502, code: "upstream_malformed" });
    }
    return scores;
  };
  return {
    name,
    kind: "process",
    aggregation: config.aggregation,
    score: (question, candidates) => Promise.all(candidates.map((steps) => one(question, steps))),
  };
}
