/**
 * OpenAI wire shapes for the sim: turns behaviour output (tokens, tool calls) into chat
 * completions, chunks, text completions and their logprobs — identical content streamed or not.
 */
import type { GenOutput, GenToken } from "./types.js";
import { hash32 } from "./random.js";

export interface ChoiceOut {
  index: number;
  out: GenOutput;
}

const tokenLogprob = (t: GenToken, withTop: boolean) => ({
  token: t.token ?? t.text,
  logprob: t.logprob,
  bytes: [...new TextEncoder().encode(t.token ?? t.text)],
  top_logprobs: withTop ? t.top.map((x) => ({ token: x.token, logprob: x.logprob, bytes: [...new TextEncoder().encode(x.token)] })) : [],
});

export function toolCallId(seed: string, i: number): string {
  return `call_${hash32(`${seed}|${i}`).toString(36)}${i}`;
}

export function chatCompletion(id: string, model: string, created: number, choices: ChoiceOut[], usage: object, logprobs: boolean, topLogprobs: number) {
  return {
    id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: "sim",
    choices: choices.map(({ index, out }) => ({
      index,
      message: {
        role: "assistant",
        content: out.toolCalls?.length ? null : out.tokens.map((t) => t.text).join(""),
        refusal: null,
        ...(out.toolCalls?.length
          ? { tool_calls: out.toolCalls.map((tc, i) => ({ id: toolCallId(id, i), type: "function", function: { name: tc.name, arguments: tc.arguments } })) }
          : {}),
      },
      logprobs: logprobs ? { content: out.tokens.map((t) => tokenLogprob(t, topLogprobs > 0)), refusal: null } : null,
      finish_reason: out.finishReason,
    })),
    usage,
  };
}

/** The chunk sequence of one choice: role, one chunk per token (or tool-call argument piece), finish. */
export function* chatChunks(id: string, model: string, created: number, choice: ChoiceOut, logprobs: boolean, topLogprobs: number): Generator<object> {
  const base = { id, object: "chat.completion.chunk", created, model, system_fingerprint: "sim" };
  const { index, out } = choice;
  yield { ...base, choices: [{ index, delta: { role: "assistant", content: out.toolCalls?.length ? null : "" }, logprobs: null, finish_reason: null }] };
  if (out.toolCalls?.length) {
    for (let i = 0; i < out.toolCalls.length; i++) {
      const tc = out.toolCalls[i]!;
      yield { ...base, choices: [{ index, delta: { tool_calls: [{ index: i, id: toolCallId(id, i), type: "function", function: { name: tc.name, arguments: "" } }] }, logprobs: null, finish_reason: null }] };
      // Arguments arrive in pieces, as real upstreams send them.
      for (let p = 0; p < tc.arguments.length; p += 8) {
        yield { ...base, choices: [{ index, delta: { tool_calls: [{ index: i, function: { arguments: tc.arguments.slice(p, p + 8) } }] }, logprobs: null, finish_reason: null }] };
      }
    }
  } else {
    for (const t of out.tokens) {
      yield { ...base, choices: [{ index, delta: { content: t.text }, logprobs: logprobs ? { content: [tokenLogprob(t, topLogprobs > 0)] } : null, finish_reason: null }] };
    }
  }
  yield { ...base, choices: [{ index, delta: {}, logprobs: null, finish_reason: out.finishReason }] };
}

export function completionLogprobs(tokens: Array<GenToken | { text: string; logprob: null; top: GenToken["top"] }>, startOffset: number) {
  let offset = startOffset;
  const text_offset: number[] = [];
  for (const t of tokens) {
    text_offset.push(offset);
    offset += t.text.length;
  }
  return {
    tokens: tokens.map((t) => ("token" in t && t.token !== undefined ? t.token : t.text)),
    token_logprobs: tokens.map((t) => t.logprob),
    top_logprobs: tokens.map((t) => (t.logprob === null ? null : Object.fromEntries(t.top.map((x) => [x.token, x.logprob])))),
    text_offset,
  };
}
