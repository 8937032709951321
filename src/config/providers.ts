/** `providers:` — where upstreams live and how the transport treats them. */
import { z } from "zod";
import { durationMs } from "./common.js";

export const timeoutsSchema = z.strictObject({
  /** TCP/TLS connect. */
  connectMs: durationMs.default(5_000),
  /** From sending the request to the first byte of the body (headers + first chunk). */
  firstByteMs: durationMs.default(60_000),
  /** Longest silence between two chunks of a streamed body. */
  idleMs: durationMs.default(30_000),
});

export const retrySchema = z.strictObject({
  /** Attempts per model, including the first. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  baseDelayMs: z.number().int().min(0).default(200),
  maxDelayMs: z.number().int().min(0).default(5_000),
});

export const providerSchema = z.strictObject({
  /**
   * Wire protocol. `openai` covers every OpenAI-compatible upstream (OpenAI, vLLM, Ollama,
   * llama.cpp, Groq, Together, DeepSeek, OpenRouter, the sim); `preset` fills in their defaults.
   * `anthropic` (Messages API; default baseUrl https://api.anthropic.com/v1, `anthropic-version`
   * 2023-06-01) and `gemini` (generateContent; default baseUrl
   * https://generativelanguage.googleapis.com/v1beta) are translated by their own adapters.
   */
  type: z.enum(["openai", "anthropic", "gemini"]),
  preset: z.enum(["openai", "vllm", "ollama", "llamacpp", "groq", "together", "deepseek", "openrouter", "sim"]).optional(),
  baseUrl: z.url().optional(),
  apiKey: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  timeouts: timeoutsSchema.default(timeoutsSchema.parse({})),
  retry: retrySchema.default(retrySchema.parse({})),
  /** Client request headers forwarded to this upstream (e.g. `x-sim-fault` for load tests against the sim). */
  forwardHeaders: z.array(z.string().toLowerCase()).default([]),
  /** Max concurrent connections to this upstream (Node pool size). */
  connections: z.number().int().min(1).max(4096).default(256),
});
export type ProviderConfig = z.infer<typeof providerSchema>;
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type RetryConfig = z.infer<typeof retrySchema>;
