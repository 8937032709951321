/**
 * `routes:` — named virtual models. A route is either an alias of one catalog model, or a router
 * over candidate nodes (rules, classifier, knn, llm, cascade, bandit) with its parameters, a
 * default node and a default strategy. Paths (classifier artifacts, knn data) are resolved
 * relative to the config file by the Node entry; other runtimes inline them.
 */
import { z } from "zod";
import { nameSchema } from "./common.js";

/** Cost–quality knob in [0,1]: the share of traffic (or confidence) a route spends on quality. */
const qualitySchema = z.number().min(0).max(1);

/** A condition of the rules router over request features (`field` paths: `promptTokens`, `domain`, `meta.team`, ...). */
export type RuleCondition =
  | { and: RuleCondition[] }
  | { or: RuleCondition[] }
  | { not: RuleCondition }
  | {
      field: string;
      eq?: string | number | boolean;
      ne?: string | number | boolean;
      in?: Array<string | number>;
      regex?: string;
      gt?: number;
      gte?: number;
      lt?: number;
      lte?: number;
      exists?: boolean;
    };

export const ruleConditionSchema: z.ZodType<RuleCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ and: z.array(ruleConditionSchema).min(1) }),
    z.strictObject({ or: z.array(ruleConditionSchema).min(1) }),
    z.strictObject({ not: ruleConditionSchema }),
    z
      .strictObject({
        field: z.string().min(1),
        eq: z.union([z.string(), z.number(), z.boolean()]).optional(),
        ne: z.union([z.string(), z.number(), z.boolean()]).optional(),
        in: z.array(z.union([z.string(), z.number()])).optional(),
        regex: z
          .string()
          .refine((s) => {
            try {
              new RegExp(s);
              return true;
            } catch {
              return false;
            }
          }, "not a valid regular expression")
          .optional(),
        gt: z.number().optional(),
        gte: z.number().optional(),
        lt: z.number().optional(),
        lte: z.number().optional(),
        exists: z.boolean().optional(),
      })
      .refine((c) => ["eq", "ne", "in", "regex", "gt", "gte", "lt", "lte", "exists"].some((k) => k in c), "a condition needs an operator (eq, ne, in, regex, gt, gte, lt, lte, exists)"),
  ]),
);

const rulesRouter = z.strictObject({
  type: z.literal("rules"),
  /** Checked in order; the first match decides. */
  rules: z.array(z.strictObject({ when: ruleConditionSchema, node: nameSchema, reason: z.string().optional() })).min(1),
});

/** A trained classifier artifact (`octoroute router train`), inline or as a path to its JSON file. */
const artifactRef = z.union([z.string().min(1), z.looseObject({ kind: z.literal("octoroute-router") })]);

const labelsSchema = z.record(z.string(), nameSchema).optional();

const classifierRouter = z.strictObject({
  type: z.literal("classifier"),
  artifact: artifactRef,
  /** Artifact model label → candidate node (`strong: gpt-4o`); unmapped labels keep their name. */
  labels: labelsSchema,
  /** Pair artifacts: route to strong when score ≥ threshold (overrides `quality`). */
  threshold: z.number().optional(),
  quality: qualitySchema.optional(),
});

const knnRouter = z.strictObject({
  type: z.literal("knn"),
  /** Labelled examples: an artifact from `router train --router knn`, inline or a path. */
  artifact: artifactRef,
  labels: labelsSchema,
  k: z.number().int().min(1).max(500).default(20),
  /** Embeddings model (catalog node) for vectors; omitted → built-in hashed features. */
  embeddings: nameSchema.optional(),
  threshold: z.number().optional(),
  quality: qualitySchema.optional(),
});

const llmRouter = z.strictObject({
  type: z.literal("llm"),
  /** The small router model (catalog node) that emits a functional token. */
  model: nameSchema,
  /** One line per candidate shown to the router model; default: the node's tags. */
  descriptions: z.record(nameSchema, z.string()).optional(),
  /** Send the router's rewritten query to the worker instead of the user's last message. */
  rewrite: z.boolean().default(false),
  maxTokens: z.number().int().min(8).max(1024).default(96),
});

const cascadeRouter = z.strictObject({
  type: z.literal("cascade"),
  /** Accept an answer when its confidence ≥ threshold (exp of mean token logprob, or the judge's P(yes)). */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Judge model (catalog node); omitted → the answer's own token logprobs. */
  judge: nameSchema.optional(),
  /** Most models tried, following `escalate` edges from the first candidate. */
  maxSteps: z.number().int().min(1).max(8).default(3),
});

const banditRouter = z.strictObject({
  type: z.literal("bandit"),
  algorithm: z.enum(["thompson", "ucb"]).default("thompson"),
  /** Features that form the context bucket. */
  context: z.array(z.enum(["domain", "length", "tools", "language", "tenant"])).default(["domain", "length"]),
  /** UCB exploration constant. */
  exploration: z.number().min(0).default(1.0),
});

export const routerSchema = z.discriminatedUnion("type", [rulesRouter, classifierRouter, knnRouter, llmRouter, cascadeRouter, banditRouter]);
export type RouterConfig = z.infer<typeof routerSchema>;

export const routeSchema = z.strictObject({
  /** Alias target: the route always answers with this model. */
  model: nameSchema.optional(),
  router: routerSchema.optional(),
  candidates: z.array(nameSchema).optional(),
  /** Node used when the router cannot decide (no rule matched, unparseable LLM output); default: first candidate. */
  default: nameSchema.optional(),
  /** Default strategy for requests on this route (a name, or `{name, ...params}`). */
  strategy: z.union([z.string(), z.looseObject({ name: z.string() })]).optional(),
  description: z.string().optional(),
});
export type RouteConfig = z.infer<typeof routeSchema>;
