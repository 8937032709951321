/**
 * Gemini `GenerateContentResponse` → canonical OpenAI chat completion. Each candidate becomes a
 * choice; `functionCall` parts become `tool_calls` (Gemini gives them no id unless it has one, so
 * the adapter mints stable ids); `finishReason` maps to `finish_reason` with the raw value kept
 * as `native_finish_reason`; usage maps `usageMetadata` (thinking tokens are billed as output).
 */
import type { ChatChoice, ChatCompletion, ToolCall, Usage } from "../../api/types.js";
import { assistantMessage } from "../assistant-message.js";
import type { Candidate, GenerateContentResponse, UsageMetadata } from "./wire.js";

/** Documented finish reasons → OpenAI; STOP with function calls is `tool_calls`. */
const FINISH_REASONS: Readonly<Record<string, string>> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
  BLOCKLIST: "content_filter",
  PROHIBITED_CONTENT: "content_filter",
  SPII: "content_filter",
  IMAGE_SAFETY: "content_filter",
  MODEL_ARMOR: "content_filter",
  LANGUAGE: "content_filter",
  MALFORMED_FUNCTION_CALL: "stop",
  OTHER: "stop",
  FINISH_REASON_UNSPECIFIED: "stop",
};

export function finishReasonOf(reason: string | undefined, hasToolCalls: boolean): string {
  if (hasToolCalls && (reason === "STOP" || reason === undefined)) return "tool_calls";
  return (reason && FINISH_REASONS[reason]) || "stop";
}

/** `promptTokenCount` already includes cached content; thinking tokens count as completion. */
export function usageOf(u: UsageMetadata | undefined): Usage {
  const prompt = (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0);
  const thoughts = u?.thoughtsTokenCount ?? 0;
  const completion = (u?.candidatesTokenCount ?? 0) + thoughts;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: u?.cachedContentTokenCount ?? 0 },
    ...(thoughts ? { completion_tokens_details: { reasoning_tokens: thoughts } } : {}),
  };
}

/** A stable id for the n-th function call of a response (Gemini may send none). */
export const toolCallId = (responseId: string, candidate: number, n: number, given?: string) => given || `call_${responseId}_${candidate}_${n}`;

function choiceOf(c: Candidate, i: number, responseId: string): ChatChoice {
  const index = c.index ?? i;
  let text = "";
  let thinking = "";
  const toolCalls: ToolCall[] = [];
  for (const part of c.content?.parts ?? []) {
    if (typeof part.text === "string") {
      if (part.thought) thinking += part.text;
      else text += part.text;
    } else if (part.functionCall) {
      toolCalls.push({
        id: toolCallId(responseId, index, toolCalls.length, part.functionCall.id),
        type: "function",
        function: { name: String(part.functionCall.name ?? ""), arguments: JSON.stringify(part.functionCall.args ?? {}) },
      });
    }
  }
  return {
    index,
    message: assistantMessage(text, toolCalls, thinking),
    logprobs: null,
    finish_reason: finishReasonOf(c.finishReason, toolCalls.length > 0),
    native_finish_reason: c.finishReason ?? null,
  };
}

export function toChatCompletion(res: GenerateContentResponse, model: string): ChatCompletion {
  const id = res.responseId ?? `gen-${Date.now().toString(36)}`;
  const candidates = res.candidates ?? [];
  // A prompt blocked before generation has no candidates, only promptFeedback.blockReason.
  const choices: ChatChoice[] = candidates.length
    ? candidates.map((c, i) => choiceOf(c, i, id))
    : [{ index: 0, message: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: "content_filter", native_finish_reason: res.promptFeedback?.blockReason ?? null }];
  return { id, object: "chat.completion", created: Math.floor(Date.now() / 1000), model: res.modelVersion ?? model, choices, usage: usageOf(res.usageMetadata) };
}
