/**
 * Every OpenAI-compatible upstream differs only in data: where it lives and how it authenticates.
 * Adding one is a row here, never a copied adapter. Per-model differences (no logprobs on Groq,
 * no `n>1` on Ollama, ...) are declared as model capabilities in the config.
 */
export interface OpenAiPreset {
  baseUrl?: string;
  /** Header that carries the key; `authorization` sends `Bearer <key>`. */
  authHeader: "authorization" | "api-key";
  /** Extra headers every request carries. */
  headers?: Record<string, string>;
}

export const OPENAI_PRESETS: Record<string, OpenAiPreset> = {
  openai: { baseUrl: "https://api.openai.com/v1", authHeader: "authorization" },
  vllm: { baseUrl: "http://127.0.0.1:8000/v1", authHeader: "authorization" },
  ollama: { baseUrl: "http://127.0.0.1:11434/v1", authHeader: "authorization" },
  llamacpp: { baseUrl: "http://127.0.0.1:8080/v1", authHeader: "authorization" },
  groq: { baseUrl: "https://api.groq.com/openai/v1", authHeader: "authorization" },
  together: { baseUrl: "https://api.together.xyz/v1", authHeader: "authorization" },
  deepseek: { baseUrl: "https://api.deepseek.com/v1", authHeader: "authorization" },
  openrouter: { baseUrl: "https://openrouter.ai/api/v1", authHeader: "authorization" },
  sim: { baseUrl: "http://127.0.0.1:4010/v1", authHeader: "authorization" },
};
