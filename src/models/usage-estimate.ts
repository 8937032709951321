/**
 * Tokens of a call whose upstream reported no usage: some OpenAI-compatible servers omit `usage`,
 * or ignore `stream_options.include_usage`. Counting such a call as 0 tokens would be a silent
 * zero in every bill and budget. It is estimated instead, from the request and the answer at
 * about four characters per token, and marked (`usageEstimated`, the
 * `octoroute.usage.estimated_calls` metric, a span attribute), so it is never mistaken for a
 * provider's count.
 */
import { estimateTokens } from "../api/lifecycle.js";
import type { Usage } from "../api/types.js";

/** What an answer's text is: message contents, tool-call arguments, completion texts. */
function answerText(value: unknown): unknown[] {
  const choices = (value as { choices?: unknown[] } | undefined)?.choices;
  if (!Array.isArray(choices)) return [];
  const out: unknown[] = [];
  for (const c of choices as Array<{ text?: unknown; message?: { content?: unknown; tool_calls?: Array<{ function?: { arguments?: unknown } }> } }>) {
    if (typeof c.text === "string") out.push(c.text);
    if (c.message?.content) out.push(c.message.content);
    for (const t of c.message?.tool_calls ?? []) if (t.function?.arguments) out.push(t.function.arguments);
  }
  return out;
}

/** Usage estimated from what was sent (`request`) and what came back (`answer`, if anything). */
export function estimateUsage(request: unknown, answer?: unknown, outputTokens?: number): Usage {
  const prompt = estimateTokens(request);
  const completion = outputTokens ?? (answer === undefined ? 0 : estimateTokens(answerText(answer)));
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
