/**
 * Request schemas of the OpenAI surface. Strict on the types of fields we know (a wrong type is a
 * 400 naming the parameter), lenient on everything else: unknown fields are preserved
 * (`.passthrough()` / `z.looseObject`) and forwarded upstream, because providers keep adding them.
 */
import { z } from "zod";

const contentPart = z.looseObject({ type: z.string() });
const messageContent = z.union([z.string(), z.array(contentPart), z.null()]);

export const chatMessageSchema = z.looseObject({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: messageContent.optional(),
  name: z.string().optional(),
  tool_calls: z.array(z.looseObject({ id: z.string().optional(), type: z.string().optional() })).optional(),
  tool_call_id: z.string().optional(),
});

const stopSchema = z.union([z.string(), z.array(z.string()).max(4), z.null()]);

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(chatMessageSchema).min(1, "messages must contain at least one message"),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  max_tokens: z.number().int().min(1).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).nullable().optional(),
  stop: stopSchema.optional(),
  seed: z.number().int().nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  tool_choice: z.union([z.string(), z.looseObject({ type: z.string() })]).optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
  user: z.string().optional(),
  octoroute: z.record(z.string(), z.unknown()).optional(),
});

export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()), z.array(z.array(z.number().int()))]),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().min(0).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  logprobs: z.number().int().min(0).max(20).nullable().optional(),
  echo: z.boolean().nullable().optional(),
  stop: stopSchema.optional(),
  seed: z.number().int().nullable().optional(),
  octoroute: z.record(z.string(), z.unknown()).optional(),
});

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number().int()).min(1), z.array(z.array(z.number().int())).min(1)]),
  encoding_format: z.enum(["float", "base64"]).optional(),
  dimensions: z.number().int().min(1).optional(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** Path of the first issue in OpenAI's parameter notation: `messages[0].role`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}
