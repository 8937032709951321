/**
 * Strategy-related config: verifiers (reward models and LLM judges, each scoped to the routes and
 * models it serves) and the tenant's strategy policy (which strategies, and caps on what one
 * request may spend on inference-time compute).
 */
import { z } from "zod";
import { nameSchema } from "./common.js";

const scope = {
  /** Routes or models this verifier serves; empty = every route and model. */
  for: z.array(z.string()).default([]),
};

/** A process/outcome reward model behind an HTTP endpoint: `POST {path}` with `{model, question, steps}`. */
export const rewardModelVerifierSchema = z.strictObject({
  type: z.literal("reward-model"),
  /** Catalog model that serves the endpoint (its provider's base URL, price and retries apply). */
  model: nameSchema,
  path: z.string().startsWith("/").default("/reward"),
  /** How step scores become one score: the last step's (default), the minimum, the product or the mean. */
  aggregation: z.enum(["last", "min", "prod", "mean"]).default("last"),
  ...scope,
});

/** An LLM judge: P("Yes") from top logprobs (or a parsed 0–10 score), optionally pairwise. */
export const llmJudgeVerifierSchema = z.strictObject({
  type: z.literal("llm-judge"),
  model: nameSchema,
  mode: z.enum(["logprobs", "score"]).default("logprobs"),
  /** Best-of-N picks by a pairwise knockout tournament instead of pointwise scores. */
  pairwise: z.boolean().default(false),
  ...scope,
});

export const verifierSchema = z.discriminatedUnion("type", [rewardModelVerifierSchema, llmJudgeVerifierSchema]);
export type VerifierConfig = z.infer<typeof verifierSchema>;

const strategySpecSchema = z.union([z.string(), z.looseObject({ name: z.string() })]);

/** Which strategies a tenant may ask for, and caps on what one request may spend on them. */
export const tenantStrategyPolicySchema = z.strictObject({
  /** Strategy names the tenant may use (`none` is always allowed); omitted = all. */
  allowed: z.array(z.string()).optional(),
  /** Strategy used when neither the request nor the route picks one. */
  default: strategySpecSchema.optional(),
  /** Caps per request (the request's own `octoroute.budget` may only lower them). */
  maxCalls: z.number().int().min(1).optional(),
  maxTokens: z.number().int().min(1).optional(),
  maxUsd: z.number().min(0).optional(),
  maxWallMs: z.number().int().min(1).optional(),
  /** Upstream calls one request may have in flight at once. */
  maxConcurrency: z.number().int().min(1).max(256).optional(),
});
export type TenantStrategyPolicy = z.infer<typeof tenantStrategyPolicySchema>;
