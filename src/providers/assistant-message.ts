/**
 * The OpenAI assistant message that translating adapters build from a provider's answer: text,
 * tool calls and reasoning. One shape for every adapter, so `content: null` with tool calls and the
 * `reasoning_content` extension mean the same thing whichever upstream answered.
 */
import type { ChatChoice, ToolCall } from "../api/types.js";

export function assistantMessage(text: string, toolCalls: ToolCall[], thinking: string): ChatChoice["message"] {
  return {
    role: "assistant",
    // OpenAI sends null content when the answer is only tool calls.
    content: text.length || toolCalls.length === 0 ? text : null,
    refusal: null,
    ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
    ...(thinking ? { reasoning_content: thinking } : {}),
  };
}
