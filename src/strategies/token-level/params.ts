/**
 * Parameters of the token-level strategies (`octoroute: {strategy: "scmoe", beta: 0.5, ...}`),
 * validated strictly: an unknown or out-of-range value is a 400 naming `octoroute.<param>`, never
 * clamped. Capabilities of both sources are checked here too, before any upstream call.
 */
import { z } from "zod";
import { GatewayError, invalidParam } from "../../api/errors.js";
import type { ModelClient } from "../../models/model-client.js";
import type { StrategyEnv } from "../types.js";
import { continuationMode, topLogprobsOf } from "./continuation.js";

export type TokenLevelKind = "scmoe" | "contrast" | "guidance";

const common = {
  /** Catalog name of the weak source; default: the strong node's `weak` edge. */
  weak: z.string().min(1).optional(),
  /** Plausibility threshold α. */
  alpha: z.number().gt(0).max(1).default(0.1),
  /** Tokens the strong source proposes per round trip; "auto" sizes it from the agreement so far. */
  chunk: z.union([z.number().int().min(1).max(256), z.literal("auto")]).default("auto"),
  /** Top logprobs asked of each source (capped by each model's maxTopLogprobs). */
  top_k: z.number().int().min(1).max(20).default(20),
  /** `naive` = the one-position-per-round-trip reference loop. */
  loop: z.enum(["chunked", "naive"]).default("chunked"),
};

const contrastSchema = z.strictObject({ ...common, beta: z.number().min(0).max(10).default(0.5) });
const guidanceSchema = z.strictObject({
  ...common,
  omega: z.number().min(0).max(10).default(1.5),
  /** Contrast for this many tokens, then plain strong decoding. */
  window: z.number().int().min(0).default(32),
  /** Also end the window once the answer contains this text (e.g. "\n" = the first step). */
  until: z.string().min(1).optional(),
});

export interface TokenLevelParams {
  weak: string;
  strongWeight: number;
  alpha: number;
  chunk: number | "auto";
  topK: number;
  loop: "chunked" | "naive";
  window?: number;
  until?: string;
}

/** Validates params and both sources' capabilities; returns normalised params. */
export function parseTokenLevelParams(kind: TokenLevelKind, raw: Record<string, unknown>, client: ModelClient, env?: StrategyEnv): TokenLevelParams {
  const { name: _name, ...params } = raw;
  const schema = kind === "guidance" ? guidanceSchema : contrastSchema;
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.join(".");
    throw invalidParam(`octoroute.${String(key)}`, `octoroute.${String(key)}: ${issue.message}`);
  }
  const p = parsed.data as z.infer<typeof contrastSchema> & Partial<z.infer<typeof guidanceSchema>>;
  const weak = p.weak ?? client.node.config.weak;
  if (!weak) {
    throw invalidParam("octoroute.weak", `Strategy "${kind}" needs a weak source: set octoroute.weak or the model's "weak" in the config (models.${client.node.name}.weak).`);
  }
  // A weak source named in the request is a model the tenant must be allowed to use (the
  // model's own `weak` edge is the operator's choice and part of that model).
  if (p.weak !== undefined && env?.mayUse && !env.mayUse(p.weak)) {
    throw new GatewayError(`This tenant may not use the model "${p.weak}" as the weak source.`, { status: 403, code: "model_not_allowed", param: "octoroute.weak" });
  }
  let weakClient: ModelClient;
  try {
    weakClient = client.forNode(weak);
  } catch (err) {
    if (err instanceof GatewayError) throw invalidParam("octoroute.weak", `The weak source "${weak}" is not a model of this gateway.`, "model_not_found");
    throw err;
  }
  topLogprobsOf(client.node, "model");
  continuationMode(client.node, "model");
  topLogprobsOf(weakClient.node, "octoroute.weak");
  continuationMode(weakClient.node, "octoroute.weak");
  return {
    weak,
    strongWeight: kind === "guidance" ? p.omega! : 1 + p.beta,
    alpha: p.alpha,
    chunk: p.chunk,
    topK: p.top_k,
    loop: p.loop,
    ...(kind === "guidance" ? { window: p.window, until: p.until } : {}),
  };
}
