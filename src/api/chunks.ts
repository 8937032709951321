/**
 * Conversions between whole completions and stream chunks, for strategies that decide an answer
 * first and stream it after (the chunks carry exactly the chosen answer's content, tool calls,
 * finish reason and logprobs).
 */
import type { ChatCompletion, ChatCompletionChunk, Usage } from "./types.js";

/** Splits text into pieces of about `size` characters at word boundaries, so clients render progressively. */
function pieces(text: string, size = 48): string[] {
  if (text.length <= size) return [text];
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > start) end = space + 1;
    }
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

export function completionToChunks(completion: ChatCompletion): ChatCompletionChunk[] {
  const base = { id: completion.id, object: "chat.completion.chunk" as const, created: completion.created, model: completion.model };
  const out: ChatCompletionChunk[] = [];
  for (const choice of completion.choices) {
    const index = choice.index;
    out.push({ ...base, choices: [{ index, delta: { role: "assistant", content: "" }, finish_reason: null }] });
    const content = choice.message.content ?? "";
    const logprobs = choice.logprobs?.content ?? null;
    if (content) {
      const parts = pieces(content);
      parts.forEach((p, i) => {
        out.push({
          ...base,
          choices: [{ index, delta: { content: p }, finish_reason: null, ...(logprobs && i === 0 ? { logprobs: { content: logprobs } } : {}) }],
        });
      });
    }
    choice.message.tool_calls?.forEach((tc, i) => {
      out.push({ ...base, choices: [{ index, delta: { tool_calls: [{ index: i, id: tc.id, type: "function", function: { name: tc.function.name, arguments: tc.function.arguments } }] }, finish_reason: null }] });
    });
    out.push({ ...base, choices: [{ index, delta: {}, finish_reason: choice.finish_reason ?? "stop" }] });
  }
  return out;
}

export function usageChunk(template: { id: string; created: number; model: string }, usage: Usage, extra?: Record<string, unknown>): ChatCompletionChunk {
  return { id: template.id, object: "chat.completion.chunk", created: template.created, model: template.model, choices: [], usage, ...extra };
}
