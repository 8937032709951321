/**
 * `n > 1` on models whose upstream answers one choice per call (Anthropic's Messages API, or any
 * model configured with `capabilities.n: false`): the gateway makes the n calls in parallel and
 * merges them into the answer an upstream honouring `n` would give — choices 0..n−1 in one
 * completion, or one stream whose chunks carry each choice's index. Each call is its own usage
 * record, so the request's usage and cost are their sum.
 *
 * One call failing (after its own retries and fallbacks) fails the request, as an upstream's
 * failure would: the other calls are cancelled and their usage so far is still recorded. A
 * client that leaves cancels them all through the request's signal. A tenant's `maxCalls` caps n
 * (a 400 naming `n`, in `api/chat.ts`). Buffered answers run at most CONCURRENCY calls at a time,
 * as strategies' samples do; a streamed answer opens all n streams, since it merges them live.
 */
import type { Abortable } from "../api/request-signal.js";
import { RequestSignal } from "../api/request-signal.js";
import type { ChatRequest } from "../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk } from "../api/types.js";
import type { ModelNode } from "../models/catalog.js";
import type { ModelClient } from "../models/model-client.js";
import { DEFAULT_BUDGET } from "./budget.js";

/** Calls in flight at once for a buffered answer (the strategies' default fan-out limit). */
const CONCURRENCY = DEFAULT_BUDGET.concurrency;

/** How many parallel calls a plain request needs: `n` when the model cannot answer n choices in one call, else 1. */
export function fanOutCalls(request: ChatRequest, client: ModelClient): number {
  const n = request.n ?? 1;
  return n > 1 && !client.capabilities.n ? n : 1;
}

/** A signal that aborts with `parent` and can also be aborted on its own (to cancel the siblings). */
function follow(parent: Abortable): { signal: RequestSignal; release(): void } {
  const signal = new RequestSignal();
  const onAbort = () => signal.abort(parent.reason);
  if (parent.aborted) signal.abort(parent.reason);
  else parent.addEventListener("abort", onAbort);
  return { signal, release: () => parent.removeEventListener("abort", onAbort) };
}

/** The client's request as each of the single-choice calls sends it. */
function singleChoice(request: ChatRequest): ChatRequest {
  const { n: _n, ...rest } = request;
  return rest as ChatRequest;
}

/** n calls, one completion with n choices. */
export async function fanOutChat(client: ModelClient, request: ChatRequest, n: number, parent: Abortable): Promise<ChatCompletion> {
  const { signal, release } = follow(parent);
  const one = singleChoice(request);
  let failure: { error: unknown } | undefined;
  try {
    const answers: ChatCompletion[] = new Array(n);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!failure && next < n) {
        const i = next++;
        try {
          answers[i] = await client.chat(one, { signal });
        } catch (error) {
          // The first failure is the request's; the cancellations it causes are not.
          failure ??= { error };
          signal.abort(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(n, CONCURRENCY) }, worker));
    if (failure) throw failure.error;
    return {
      ...answers[0]!,
      choices: answers.map((a, index) => ({ ...(a.choices[0] ?? { message: { role: "assistant", content: "" }, finish_reason: "stop", logprobs: null }), index })),
    };
  } finally {
    release();
  }
}

/** n streams, merged as they arrive into one stream of n choices (the first stream's id, created and model on every chunk). */
export async function fanOutChatStream(client: ModelClient, request: ChatRequest, n: number, parent: Abortable): Promise<AsyncIterable<ChatCompletionChunk> & { model: ModelNode }> {
  const { signal, release } = follow(parent);
  const one = singleChoice(request);
  let failure: { error: unknown } | undefined;
  const opened = await Promise.allSettled(
    Array.from({ length: n }, () =>
      client.chatStream(one, { signal }).catch((error: unknown) => {
        failure ??= { error };
        signal.abort(error);
        throw error;
      }),
    ),
  );
  if (failure) {
    // Streams that did open hold an upstream response: end them (each records what it used).
    await Promise.all(opened.map((r) => (r.status === "fulfilled" ? discard(r.value) : undefined)));
    release();
    throw failure.error;
  }
  const streams = opened.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<ModelClient["chatStream"]>>>).value);
  return { model: streams[0]!.model, [Symbol.asyncIterator]: () => merge(streams, signal, release) };
}

/** Starts a stream and stops it at once, so it cancels its upstream and records its usage. */
async function discard(stream: AsyncIterable<unknown>): Promise<void> {
  const it = stream[Symbol.asyncIterator]();
  try {
    await it.next();
  } finally {
    await it.return?.();
  }
}

type Pulled = { i: number; step: IteratorResult<ChatCompletionChunk> } | { i: number; error: unknown };

async function* merge(streams: AsyncIterable<ChatCompletionChunk>[], signal: RequestSignal, release: () => void): AsyncGenerator<ChatCompletionChunk> {
  const iterators = streams.map((s) => s[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<Pulled>>();
  const finished = new Set<number>();
  const pull = (i: number) =>
    pending.set(
      i,
      iterators[i]!.next().then(
        (step) => ({ i, step }),
        (error: unknown) => ({ i, error }),
      ),
    );
  iterators.forEach((_, i) => pull(i));
  let head: Pick<ChatCompletionChunk, "id" | "created" | "model"> | undefined;
  try {
    while (pending.size) {
      const got = await Promise.race(pending.values());
      pending.delete(got.i);
      if ("error" in got) {
        finished.add(got.i);
        throw got.error;
      }
      if (got.step.done) {
        finished.add(got.i);
        continue;
      }
      const chunk = got.step.value;
      head ??= { id: chunk.id, created: chunk.created, model: chunk.model };
      yield { ...chunk, ...head, choices: chunk.choices.map((c) => ({ ...c, index: got.i })) };
      pull(got.i);
    }
  } finally {
    // Stopped early (the client left, or a stream failed): a stream waiting on its upstream is
    // cancelled through the shared signal; one paused between chunks is returned. Both record
    // their usage before this returns, so the request's accounting sees every call.
    if (pending.size) signal.abort(new DOMException("A sibling choice ended the request.", "AbortError"));
    for (const late of await Promise.all(pending.values())) if ("error" in late || late.step.done) finished.add(late.i);
    await Promise.all(iterators.map((it, i) => (finished.has(i) ? undefined : it.return?.())));
    release();
  }
}
