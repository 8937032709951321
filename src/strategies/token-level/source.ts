/**
 * One side of token-level decoding (the strong or the weak source): a model node reached through
 * the metered ModelClient, continued either on the completions endpoint (chat template) or by
 * assistant-prefix continuation. It answers three questions about a prefix of the answer:
 * `chunk` — the next greedy tokens with their top-K lists; `score` — the source's top-K list at
 * each position of a given token sequence (one echo call where offered, else one call per
 * position, run concurrently); `step` — the top-K list at one position.
 */
import { GatewayError } from "../../api/errors.js";
import type { ChatRequest, CompletionRequest } from "../../api/schemas.js";
import type { ChatCompletion, Completion } from "../../api/types.js";
import type { ModelClient } from "../../models/model-client.js";
import type { CallPurpose } from "../../telemetry/usage.js";
import { type ContinuationMode, type Conversation, continuationMode, renderPrompt, topLogprobsOf } from "./continuation.js";
import type { TopLogprobs } from "./formulas.js";
import type { Abortable } from "../../api/request-signal.js";

/** One position of a chunk: the token the source chose and its top-K list there. */
export interface Step {
  token: string;
  top: TopLogprobs;
}

export interface Chunk {
  steps: Step[];
  /** The upstream stopped (EOS or a stop rule) rather than hitting the token limit. */
  stopped: boolean;
}

/** Runs an upstream call (under the strategy budget when there is one). */
export type CallRunner = <T>(call: (signal: Abortable) => Promise<T>) => Promise<T>;

/** Counts calls per source, for the round-trip figures. */
export interface SourceStats {
  calls: number;
}

const DEFAULT_EOS = "<|endoftext|>";

/**
 * End of sequence, whatever a model calls it (`<|endoftext|>`, `</s>`, …): each source maps its own
 * EOS token to this sentinel, so two models with different EOS names can be contrasted.
 */
export const EOS = "\u0000eos";

export class TokenSource {
  readonly mode: ContinuationMode;
  readonly topK: number;
  readonly eos: string;
  readonly echo: boolean;
  readonly stats: SourceStats = { calls: 0 };
  private readonly prompt: string;

  constructor(
    readonly client: ModelClient,
    private readonly conversation: Conversation,
    private readonly purpose: CallPurpose,
    private readonly runCall: CallRunner,
    param: string,
    wantTopK: number,
  ) {
    const node = client.node;
    this.topK = Math.min(wantTopK, topLogprobsOf(node, param));
    this.mode = continuationMode(node, param);
    this.eos = node.config.eosToken ?? DEFAULT_EOS;
    this.echo = this.mode === "completions" && node.capabilities.echo;
    this.prompt = this.mode === "completions" ? renderPrompt(node, conversation) : "";
  }

  get name(): string {
    return this.client.node.name;
  }

  /** Up to `n` greedy tokens after `prefix` (an EOS step ends the chunk). */
  async chunk(prefix: string, n: number): Promise<Chunk> {
    return this.mode === "completions" ? this.completionChunk(prefix, n) : this.chatChunk(prefix, n);
  }

  /** The top-K list at one position (empty when the upstream ended without showing one). */
  async step(prefix: string): Promise<TopLogprobs> {
    const chunk = await this.chunk(prefix, 1);
    return chunk.steps[0]?.top ?? new Map();
  }

  /** The top-K list at each position of `tokens` after `prefix` (and at the end when `tokens` ends with EOS). */
  async score(prefix: string, tokens: readonly string[]): Promise<TopLogprobs[]> {
    const texts = tokens.filter((t) => t !== EOS);
    const out: Array<TopLogprobs | undefined> = tokens.map(() => undefined);
    if (this.echo) {
      const full = this.prompt + prefix + texts.join("");
      const res = await this.call((signal) => this.client.complete(this.completionRequest(full, 1, { echo: true }), { purpose: this.purpose, signal }));
      const lp = res.choices[0]?.logprobs;
      if (!lp?.top_logprobs) throw this.malformed("returned no prompt logprobs for echo");
      const byOffset = new Map<number, number>();
      lp.text_offset.forEach((o, i) => {
        if (!byOffset.has(o)) byOffset.set(o, i);
      });
      let offset = this.prompt.length + prefix.length;
      tokens.forEach((token, j) => {
        const i = byOffset.get(offset);
        // Aligned when a token of the echo starts exactly here and is this token (or, at the
        // very end, is whatever the model generated next).
        if (i !== undefined && (offset === full.length || lp.tokens[i] === token)) {
          const top = lp.top_logprobs![i];
          if (top) out[j] = this.toMap(top);
        }
        offset += token === EOS ? 0 : token.length;
      });
    }
    // Positions the echo could not align (the tokenizer merged across a boundary) or no echo at all.
    const missing = out.map((v, j) => (v ? -1 : j)).filter((j) => j >= 0);
    if (missing.length) {
      const prefixes = tokens.map((_, j) => prefix + tokens.slice(0, j).filter((t) => t !== EOS).join(""));
      await Promise.all(missing.map(async (j) => (out[j] = await this.step(prefixes[j]!))));
    }
    return out as TopLogprobs[];
  }

  private async call<T>(fn: (signal: Abortable) => Promise<T>): Promise<T> {
    this.stats.calls++;
    return this.runCall(fn);
  }

  private completionRequest(prompt: string, maxTokens: number, extra: Partial<CompletionRequest> = {}): CompletionRequest {
    return { model: this.name, prompt, max_tokens: maxTokens, temperature: 0, logprobs: this.topK, ...extra };
  }

  private async completionChunk(prefix: string, n: number): Promise<Chunk> {
    const res: Completion = await this.call((signal) => this.client.complete(this.completionRequest(this.prompt + prefix, n), { purpose: this.purpose, signal }));
    const choice = res.choices[0];
    const lp = choice?.logprobs;
    if (!choice || !lp?.top_logprobs) throw this.malformed("returned no top logprobs");
    const steps = lp.tokens.map((token, i) => ({ token: this.canon(token), top: this.toMap(lp.top_logprobs![i] ?? {}) }));
    this.checkText(steps, choice.text);
    return { steps, stopped: choice.finish_reason === "stop" };
  }

  private async chatChunk(prefix: string, n: number): Promise<Chunk> {
    const text = this.conversation.prefill + prefix;
    const req: ChatRequest = {
      model: this.name,
      messages: text ? [...this.conversation.messages, { role: "assistant", content: text }] : this.conversation.messages,
      max_tokens: n,
      temperature: 0,
      logprobs: true,
      top_logprobs: this.topK,
      ...(text ? { continue_final_message: true, add_generation_prompt: false } : {}),
    };
    const res: ChatCompletion = await this.call((signal) => this.client.chat(req, { purpose: this.purpose, signal }));
    const choice = res.choices[0];
    const content = choice?.logprobs?.content;
    if (!choice || !content) throw this.malformed("returned no logprobs");
    const steps = content.map((t) => ({ token: this.canon(t.token), top: this.toMap(Object.fromEntries((t.top_logprobs ?? []).map((x) => [x.token, x.logprob]))) }));
    this.checkText(steps, choice.message.content ?? "");
    return { steps, stopped: choice.finish_reason === "stop" };
  }

  /** The tokens must spell the text (else positions cannot be told apart): a broken upstream. */
  private checkText(steps: Step[], text: string): void {
    if (steps.some((s, i) => s.top.size === 0 && !(i === steps.length - 1 && s.token === EOS))) throw this.malformed("returned a token without top logprobs");
    const spelled = steps.map((s) => (s.token === EOS ? "" : s.token)).join("");
    if (spelled !== text) throw this.malformed("returned logprob tokens that do not spell its text");
  }

  private canon(token: string): string {
    return token === this.eos ? EOS : token;
  }

  private toMap(record: Record<string, number>): TopLogprobs {
    const map = new Map<string, number>();
    for (const [token, logprob] of Object.entries(record)) map.set(this.canon(token), logprob);
    return map;
  }

  /**
   * Plain decoding after `prefix` (guidance after its window): one streamed call, text pieces as
   * they arrive, then whether the upstream stopped (vs. hit `maxTokens`).
   */
  async *plain(prefix: string, maxTokens: number, sampling: { temperature: number; seed?: number; stop?: string[] }): AsyncGenerator<string, boolean> {
    this.stats.calls++;
    let finish: string | null = null;
    const stop = sampling.stop?.length ? sampling.stop : undefined;
    if (this.mode === "completions") {
      const req = { model: this.name, prompt: this.prompt + prefix, max_tokens: maxTokens, temperature: sampling.temperature, seed: sampling.seed, stop, stream: true };
      const stream = await this.runCall((signal) => this.client.completeStream(req, { purpose: this.purpose, signal }));
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (c?.text) yield c.text;
        finish = c?.finish_reason ?? finish;
      }
    } else {
      const text = this.conversation.prefill + prefix;
      const req: ChatRequest = {
        model: this.name,
        messages: text ? [...this.conversation.messages, { role: "assistant", content: text }] : this.conversation.messages,
        max_tokens: maxTokens,
        temperature: sampling.temperature,
        seed: sampling.seed,
        stop,
        stream: true,
        ...(text ? { continue_final_message: true, add_generation_prompt: false } : {}),
      };
      const stream = await this.runCall((signal) => this.client.chatStream(req, { purpose: this.purpose, signal }));
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        if (c?.delta.content) yield c.delta.content;
        finish = c?.finish_reason ?? finish;
      }
    }
    return finish !== "length";
  }

  private malformed(what: string): GatewayError {
    return new GatewayError(`Model "${this.name}" ${what}; token-level decoding cannot continue.`, { status: 502, code: "upstream_malformed", retryable: false });
  }
}


