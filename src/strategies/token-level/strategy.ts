/**
 * The Strategy wrapper shared by `scmoe`, `contrast` and `guidance`: builds the two sources for a
 * request, runs the chunked (or, on request, the naive) loop, and shapes the decided tokens into a
 * chat completion or a stream of chat chunks as they are decided. Usage is not computed here: every
 * call went through the metered ModelClient, so the request's Account already holds each call of
 * each source, priced per node.
 */
import { invalidParam } from "../../api/errors.js";
import type { ChatRequest } from "../../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk } from "../../api/types.js";
import type { Strategy, StrategyContext } from "../types.js";
import { seededUniforms } from "../search-math.js";
import { conversationOf } from "./continuation.js";
import { chunkedDecode, type DecodeEvent, type DecodeOptions, naiveDecode } from "./engine.js";
import { chatChunk, chatCompletion, type CompletionShape, StopFilter } from "./output.js";
import { parseTokenLevelParams, type TokenLevelKind, type TokenLevelParams } from "./params.js";
import { type CallRunner, TokenSource } from "./source.js";
import type { Abortable } from "../../api/request-signal.js";

/** Output cap when the request sets none. */
export const DEFAULT_MAX_TOKENS = 512;

/** Optional parts of the strategy context (budget guard, report) this module uses when present. */
type ContextExtras = {
  guard?: <T>(call: (signal: Abortable) => Promise<T>) => Promise<T | null>;
  report?: Record<string, unknown>;
};

/** Thrown when the strategy budget refuses a call: decoding ends with what it has. */
class BudgetSpent extends Error {}

interface Session {
  events: AsyncGenerator<DecodeEvent>;
  filter: StopFilter;
  shape: CompletionShape;
  strong: TokenSource;
  weak: TokenSource;
  stats: { tokens: number; contrastTokens: number; agreed: number };
}

function checkRequest(request: ChatRequest): void {
  if ((request.n ?? 1) > 1) throw invalidParam("n", "Token-level strategies produce one answer; n must be 1.");
  if (request.tools?.length) throw invalidParam("tools", "Token-level strategies do not support tools.");
}

function open(kind: TokenLevelKind, request: ChatRequest, ctx: StrategyContext): Session {
  checkRequest(request);
  const params = ctx.params as unknown as TokenLevelParams;
  const extras = ctx as StrategyContext & ContextExtras;
  const runCall: CallRunner = extras.guard
    ? async (call) => {
        const out = await extras.guard!(call);
        if (out === null) throw new BudgetSpent();
        return out;
      }
    : (call) => call(ctx.signal);
  const conversation = conversationOf(request.messages);
  const strong = new TokenSource(ctx.client, conversation, "answer", runCall, "model", params.topK);
  const weak = new TokenSource(ctx.client.forNode(params.weak), conversation, "guide", runCall, "octoroute.weak", params.topK);
  const stop = typeof request.stop === "string" ? [request.stop] : (request.stop ?? []);
  const temperature = request.temperature ?? 0;
  const seed = request.seed ?? Math.floor(Math.random() * 2 ** 32);
  const options: DecodeOptions = {
    strongWeight: params.strongWeight,
    alpha: params.alpha,
    temperature,
    random: seededUniforms(seed),
    seed: request.seed ?? undefined,
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? DEFAULT_MAX_TOKENS,
    chunkSize: params.chunk,
    window: params.window,
    until: params.until,
    stop,
    signal: ctx.signal,
  };
  const loop = params.loop === "naive" ? naiveDecode : chunkedDecode;
  const shape = { id: `chatcmpl-${crypto.randomUUID().replace(/-/g, "")}`, created: Math.floor(Date.now() / 1000), model: request.model };
  const stats = { tokens: 0, contrastTokens: 0, agreed: 0 };
  async function* events(): AsyncGenerator<DecodeEvent> {
    try {
      for await (const ev of loop(strong, weak, options)) {
        if (ev.type === "token") {
          stats.tokens++;
          if (ev.phase === "contrast") {
            stats.contrastTokens++;
            if (ev.agreed) stats.agreed++;
          }
        }
        yield ev;
      }
    } catch (err) {
      if (!(err instanceof BudgetSpent)) throw err;
      yield { type: "end", finish: "length" };
    } finally {
      if (extras.report) {
        extras.report.decoding = {
          strategy: kind,
          loop: params.loop,
          weak: params.weak,
          tokens: stats.tokens,
          contrast_tokens: stats.contrastTokens,
          agreement: stats.contrastTokens ? stats.agreed / stats.contrastTokens : null,
          strong_calls: strong.stats.calls,
          weak_calls: weak.stats.calls,
        };
      }
    }
  }
  return { events: events(), filter: new StopFilter(stop), shape, strong, weak, stats };
}

/** A token-level strategy of the given kind. */
export function tokenLevelStrategy(kind: TokenLevelKind): Strategy {
  return {
    name: kind,
    parseParams: (params, client, env) => parseTokenLevelParams(kind, params, client, env) as unknown as Record<string, unknown>,
    // Worst case: every position decided on its own (two calls per token), plus guidance's tail.
    maxCalls: () => 2 * DEFAULT_MAX_TOKENS + 1,
    async run(request: ChatRequest, ctx: StrategyContext): Promise<ChatCompletion> {
      const s = open(kind, request, ctx);
      let content = "";
      let finish = "length";
      for await (const ev of s.events) {
        if (ev.type === "token") content += s.filter.push(ev.text);
        else finish = ev.finish;
      }
      return chatCompletion(s.shape, content + s.filter.end(), finish);
    },
    async stream(request: ChatRequest, ctx: StrategyContext): Promise<AsyncIterable<ChatCompletionChunk>> {
      const s = open(kind, request, ctx);
      // The first decision is awaited here, so a failure before any token is an HTTP error status.
      const first = await s.events.next();
      return (async function* () {
        yield chatChunk(s.shape, { role: "assistant", content: "" });
        let finish = "length";
        let step = first;
        try {
          while (!step.done) {
            const ev = step.value;
            if (ev.type === "token") {
              const text = s.filter.push(ev.text);
              if (text) yield chatChunk(s.shape, { content: text });
            } else finish = ev.finish;
            step = await s.events.next();
          }
        } finally {
          // The consumer left early: stop the loop (its in-flight call is aborted by the signal).
          if (!step.done) await s.events.return(undefined);
        }
        const rest = s.filter.end();
        if (rest) yield chatChunk(s.shape, { content: rest });
        yield chatChunk(s.shape, {}, finish);
      })();
    },
  };
}

