/**
 * Anthropic Messages response → canonical OpenAI chat completion: text and `tool_use` blocks
 * become one assistant message with `tool_calls`, `stop_reason` maps to `finish_reason` exactly,
 * and usage carries cache reads/writes the way the meter prices them. The raw stop reason stays
 * inspectable as `choices[i].native_finish_reason` (OpenRouter's name for the same idea).
 */
import type { ChatCompletion, ToolCall, Usage } from "../../api/types.js";
import { assistantMessage } from "../assistant-message.js";
import { answerText, type JsonAnswer } from "./json-answer.js";
import type { AnthropicUsage, MessagesResponse } from "./wire.js";

/** Every documented `stop_reason` and its OpenAI `finish_reason`. */
export const FINISH_REASONS: Readonly<Record<string, string>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** Maps a stop reason; unknown future values become `stop` (the raw value is kept alongside). */
export function finishReasonOf(stopReason: string | null | undefined): string {
  return (stopReason && FINISH_REASONS[stopReason]) || "stop";
}

/**
 * Anthropic's `input_tokens` excludes cached tokens; OpenAI's `prompt_tokens` includes them. So
 * prompt = input + cache reads + cache writes, with the two cache counts in the details.
 */
export function usageOf(u: AnthropicUsage | undefined): Usage {
  const input = u?.input_tokens ?? 0;
  const read = u?.cache_read_input_tokens ?? 0;
  const write = u?.cache_creation_input_tokens ?? 0;
  const output = u?.output_tokens ?? 0;
  const prompt = input + read + write;
  return {
    prompt_tokens: prompt,
    completion_tokens: output,
    total_tokens: prompt + output,
    prompt_tokens_details: { cached_tokens: read, cache_write_tokens: write },
  };
}

/** The whole-message translation; `answer`'s tool call (a JSON `response_format`) becomes the content. */
export function toChatCompletion(msg: MessagesResponse, fallbackModel: string, answer?: JsonAnswer): ChatCompletion {
  let text = "";
  let thinking = "";
  const toolCalls: ToolCall[] = [];
  let answered = false;
  for (const block of msg.content ?? []) {
    if (block.type === "text" && typeof block.text === "string") text += block.text;
    else if (block.type === "thinking" && typeof block.thinking === "string") thinking += block.thinking;
    else if (block.type === "tool_use" && answer && block.name === answer.name) {
      text += answerText(block.input, answer);
      answered = true;
    }
    else if (block.type === "tool_use") {
      toolCalls.push({ id: String(block.id ?? `toolu_${toolCalls.length}`), type: "function", function: { name: String(block.name ?? ""), arguments: JSON.stringify(block.input ?? {}) } });
    }
  }
  const stopReason = msg.stop_reason ?? null;
  return {
    id: msg.id ?? "msg_unknown",
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: msg.model ?? fallbackModel,
    choices: [
      {
        index: 0,
        message: assistantMessage(text, toolCalls, thinking),
        logprobs: null,
        // The answer tool's call is the answer: it ends the turn like text would.
        finish_reason: answered && stopReason === "tool_use" && !toolCalls.length ? "stop" : finishReasonOf(stopReason),
        native_finish_reason: stopReason,
        ...(msg.stop_sequence ? { stop_sequence: msg.stop_sequence } : {}),
      },
    ],
    usage: usageOf(msg.usage),
  };
}
