/**
 * An upstream that ignores `stream: true` and sends the whole answer as one JSON body (some
 * OpenAI-compatible servers and proxies do) is still an answer: it is turned into the chunks a
 * stream of it would have carried — per choice its text, tool calls and finish reason, then the
 * usage — instead of failing the request. Anything else that is not an event stream stays an
 * `upstream_malformed_response`.
 */
import type { ChatCompletion, ChatCompletionChunk, Completion } from "../../api/types.js";
import { openAiErrorFormat, upstreamMalformed, upstreamStreamBroken } from "../errors.js";

export type StreamKind = "chat" | "completions";

/** The chunks of a buffered JSON answer to a streamed request. */
export function chunksOfBufferedAnswer(providerId: string, kind: StreamKind, text: string): Array<ChatCompletionChunk | Completion> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw upstreamMalformed(providerId, "expected an event stream, got a body that is not JSON");
  }
  if (body && typeof body === "object" && "error" in body && (body as { error: unknown }).error) {
    throw upstreamStreamBroken(providerId, openAiErrorFormat.toMessage(body) ?? "error body");
  }
  const answer = body as { choices?: unknown; usage?: unknown };
  if (!Array.isArray(answer.choices)) throw upstreamMalformed(providerId, "expected an event stream, got JSON without choices");
  // A completions stream's chunks have the completion's own shape.
  if (kind === "completions") return [body as Completion];
  const completion = body as ChatCompletion;
  const base = { id: completion.id, object: "chat.completion.chunk" as const, created: completion.created, model: completion.model };
  const chunks: ChatCompletionChunk[] = [
    {
      ...base,
      choices: completion.choices.map((c) => ({
        index: c.index,
        delta: {
          role: "assistant" as const,
          content: c.message?.content ?? "",
          ...(c.message?.tool_calls?.length ? { tool_calls: c.message.tool_calls.map((tc, i) => ({ index: i, ...tc })) } : {}),
        },
        logprobs: c.logprobs ?? null,
        finish_reason: c.finish_reason ?? "stop",
      })),
    },
  ];
  if (completion.usage) chunks.push({ ...base, choices: [], usage: completion.usage });
  return chunks;
}
