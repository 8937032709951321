/**
 * How strategies draw samples: n completions of the conversation (one `n>1` call where the
 * upstream honours it, else — or for the choices an upstream silently dropped — parallel single
 * calls with distinct seeds), and continuations of a partial answer through assistant-prefix
 * continuation or the completions endpoint, whichever the model declares. Conversations are
 * passed as messages, never flattened, except into the model's own template for completions.
 */
import type { ChatMessage, ChatRequest } from "../api/schemas.js";
import type { ChatChoice } from "../api/types.js";
import type { ModelClient } from "../models/model-client.js";
import type { CallPurpose } from "../telemetry/usage.js";
import { guarded } from "./context.js";
import { capabilityMissing } from "./params.js";
import type { StrategyContext } from "./types.js";

export interface Sample {
  text: string;
  message: ChatChoice["message"];
  finishReason: string;
  logprobs?: ChatChoice["logprobs"];
}

/** The client's request minus gateway fields, streaming and `n` (sub-calls set their own). */
export function baseRequest(request: ChatRequest): ChatRequest {
  const { octoroute: _o, stream: _s, stream_options: _so, n: _n, ...rest } = request;
  return rest as ChatRequest;
}

/** The last user message as text (what verifiers grade the answer against). */
export function questionOf(request: ChatRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === "user");
  return textOf(last?.content);
}

export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return "";
}

const seeds = new WeakMap<StrategyContext, number>();

/** Distinct seeds for single calls, deterministic in call order. */
export function nextSeed(ctx: StrategyContext, request: ChatRequest): number {
  const n = (seeds.get(ctx) ?? 0) + 1;
  seeds.set(ctx, n);
  return ((request.seed ?? 0) * 7919 + n) % 2_147_483_647;
}

export interface SampleOptions {
  temperature?: number;
  purpose?: CallPurpose;
  client?: ModelClient;
  /** Extra request fields (e.g. logprobs) or replaced messages. */
  extra?: Partial<ChatRequest>;
  /** Progress label, e.g. "sampled". */
  label?: string;
}

function toSample(choice: ChatChoice): Sample {
  return { text: choice.message.content ?? "", message: choice.message, finishReason: choice.finish_reason ?? "stop", logprobs: choice.logprobs };
}

/** Draws `n` samples of the conversation. Fewer come back if the budget stopped the strategy. */
export async function sample(ctx: StrategyContext, request: ChatRequest, n: number, opts: SampleOptions = {}): Promise<Sample[]> {
  const client = opts.client ?? ctx.client;
  const purpose = opts.purpose ?? "answer";
  const req: ChatRequest = { ...baseRequest(request), ...opts.extra, temperature: opts.temperature ?? request.temperature ?? 0.8 };
  const out: Sample[] = [];
  const label = opts.label ?? "sampled";
  if (n > 1 && client.capabilities.n) {
    const res = await guarded(ctx, (signal) => client.chat({ ...req, n }, { signal, purpose }));
    if (res) out.push(...res.choices.slice(0, n).map(toSample));
    if (out.length) ctx.emit({ type: "progress", message: `${label} ${out.length}/${n}` });
    if (!res || ctx.budget?.spent) return out;
  }
  // Upstream without n>1 (or one that ignored it): parallel single calls, distinct seeds.
  const missing = n - out.length;
  await Promise.all(
    Array.from({ length: missing }, () => {
      const seed = nextSeed(ctx, request);
      return guarded(ctx, (signal) => client.chat({ ...req, seed }, { signal, purpose })).then((res) => {
        if (res?.choices[0]) {
          out.push(toSample(res.choices[0]));
          ctx.emit({ type: "progress", message: `${label} ${out.length}/${n}` });
        }
      });
    }),
  );
  return out;
}

export type ContinuationMode = "assistant-prefix" | "completions";

/** How this model can continue a partial answer, or null. */
export function continuationMode(client: ModelClient): ContinuationMode | null {
  if (client.capabilities.assistantPrefix) return "assistant-prefix";
  if (client.capabilities.completions) return "completions";
  return null;
}

/** 400 unless the model can continue a partial answer. */
export function requireContinuation(strategy: string, client: ModelClient): void {
  if (!continuationMode(client)) {
    throw capabilityMissing(strategy, "continuation of a partial answer", `model "${client.node.name}" declares neither capabilities.assistantPrefix nor capabilities.completions.`);
  }
}

/** Renders a conversation into a completions prompt with the model's template (`plain` or `chatml`). */
export function renderPrompt(messages: ChatMessage[], template: string | undefined): string {
  if (template === "chatml") return `${messages.map((m) => `<|im_start|>${m.role}\n${textOf(m.content)}<|im_end|>\n`).join("")}<|im_start|>assistant\n`;
  const title = (r: string) => r.charAt(0).toUpperCase() + r.slice(1);
  return `${messages.map((m) => `${title(m.role)}: ${textOf(m.content)}\n\n`).join("")}Assistant: `;
}

export interface Continuation {
  text: string;
  finishReason: string;
}

export interface ContinueOptions {
  stop?: string[];
  maxTokens: number;
  temperature: number;
  label?: string;
}

/** `n` continuations of `prefix` as the assistant's answer to the conversation. */
export async function continueFrom(ctx: StrategyContext, request: ChatRequest, prefix: string, n: number, opts: ContinueOptions): Promise<Continuation[]> {
  const client = ctx.client;
  const mode = continuationMode(client);
  const base = baseRequest(request);
  const one = async (count: number, seed: number | undefined): Promise<Continuation[] | null> => {
    if (mode === "completions") {
      const prompt = renderPrompt(base.messages, client.node.config.chatTemplate) + prefix;
      const res = await guarded(ctx, (signal) =>
        client.complete({ model: base.model, prompt, max_tokens: opts.maxTokens, temperature: opts.temperature, stop: opts.stop, n: count, ...(seed !== undefined ? { seed } : {}) }, { signal }),
      );
      return res ? res.choices.map((c) => ({ text: c.text ?? "", finishReason: c.finish_reason ?? "stop" })) : null;
    }
    const messages: ChatMessage[] = prefix ? [...base.messages, { role: "assistant", content: prefix }] : base.messages;
    const extra = prefix ? { continue_final_message: true, add_generation_prompt: false } : {};
    const res = await guarded(ctx, (signal) =>
      client.chat({ ...base, ...extra, messages, max_tokens: opts.maxTokens, max_completion_tokens: undefined, temperature: opts.temperature, stop: opts.stop, n: count, ...(seed !== undefined ? { seed } : {}) } as ChatRequest, { signal }),
    );
    return res ? res.choices.map((c) => ({ text: c.message.content ?? "", finishReason: c.finish_reason ?? "stop" })) : null;
  };
  const out: Continuation[] = [];
  if (n > 1 && client.capabilities.n) {
    const got = await one(n, nextSeed(ctx, request));
    if (got) out.push(...got.slice(0, n));
    if (!got || ctx.budget?.spent) return out;
  }
  const rest = await Promise.all(Array.from({ length: n - out.length }, () => one(1, nextSeed(ctx, request))));
  for (const r of rest) if (r?.[0]) out.push(r[0]);
  return out;
}
