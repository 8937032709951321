/** `models:` — the catalog: the graph's nodes with price, capabilities, tags and edges. */
import { z } from "zod";
import { nameSchema, priceSchema } from "./common.js";

/** What a model can do; adapters and strategies consult this before calling. */
export const capabilitiesSchema = z.strictObject({
  chat: z.boolean().default(true),
  streaming: z.boolean().default(true),
  /** Upstream honours `stream_options.include_usage`. */
  streamUsage: z.boolean().default(true),
  tools: z.boolean().default(true),
  logprobs: z.boolean().default(true),
  maxTopLogprobs: z.number().int().min(0).max(20).default(20),
  /** Prompt logprobs via `echo` on the completions endpoint. */
  echo: z.boolean().default(false),
  /** Upstream honours `n > 1` in one call. */
  n: z.boolean().default(true),
  /** Legacy `/v1/completions` endpoint. */
  completions: z.boolean().default(false),
  /** Continue a trailing assistant message (vLLM `continue_final_message`, Anthropic prefill). */
  assistantPrefix: z.boolean().default(false),
  embeddings: z.boolean().default(false),
  /** Native `/v1/responses`. */
  responses: z.boolean().default(false),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

export const modelSchema = z.strictObject({
  provider: nameSchema,
  /** Name sent upstream; defaults to the catalog name. */
  upstreamModel: z.string().min(1).optional(),
  /** Price per 1M tokens; omitted → looked up in the price catalog (unknown → cost null). */
  price: priceSchema.optional(),
  capabilities: capabilitiesSchema.default(capabilitiesSchema.parse({})),
  /** Domains (math, code, law, medicine, general, ...) for routers. */
  tags: z.array(z.string()).default([]),
  /** Prior quality in [0,1] for routers that need one. */
  quality: z.number().min(0).max(1).optional(),
  /** Graph edge: models tried in order when this one fails after its retries. */
  fallbacks: z.array(nameSchema).default([]),
  /** Graph edge: where a cascade goes on low confidence. */
  escalate: nameSchema.optional(),
  /**
   * Chat template (Hugging Face Jinja, rendered with `messages` and `add_generation_prompt`) for
   * completions-based continuation (token-level strategies).
   */
  chatTemplate: z.string().optional(),
  /** Graph edge: the weak source token-level strategies contrast with (scmoe/contrast/guidance). */
  weak: nameSchema.optional(),
  /** How this model's end-of-sequence token appears in logprobs (default `<|endoftext|>`). */
  eosToken: z.string().min(1).optional(),
  /** Extra body fields always sent upstream for this node (e.g. an MoE expert-activation knob). */
  extraBody: z.record(z.string(), z.unknown()).optional(),
  /** Longest context in tokens; requests estimated above it get a 400. */
  contextWindow: z.number().int().min(1).optional(),
});
export type ModelConfig = z.infer<typeof modelSchema>;
