/**
 * Gemini `streamGenerateContent?alt=sse` → OpenAI chat chunks. Each SSE event is a whole
 * `GenerateContentResponse` holding the next piece of each candidate: text parts become content
 * deltas, `functionCall` parts (Gemini sends each call whole) become one tool_call delta with id,
 * name and the full arguments, a candidate's `finishReason` becomes its finish chunk, and the
 * last `usageMetadata` seen becomes the usage chunk (when `includeUsage`). An `{error}` event is
 * thrown; a stream that ends before every candidate finished is an error, not a clean end.
 */
import { parseSse } from "../../api/sse.js";
import type { ChatChunkChoice, ChatCompletionChunk } from "../../api/types.js";
import { upstreamMalformed, upstreamStreamBroken } from "../errors.js";
import { streamErrorEvent } from "./errors.js";
import { finishReasonOf, toolCallId, usageOf } from "./response.js";
import type { GenerateContentResponse, UsageMetadata } from "./wire.js";

export interface StreamTranslation {
  providerId: string;
  model: string;
  includeUsage: boolean;
  secrets: Array<string | undefined>;
}

export async function* toChatChunks(body: AsyncIterable<Uint8Array>, t: StreamTranslation): AsyncGenerator<ChatCompletionChunk> {
  let id: string | undefined;
  let model = t.model;
  const created = Math.floor(Date.now() / 1000);
  let usage: UsageMetadata | undefined;
  /** Per candidate index: tool calls so far, and whether it has finished. */
  const started = new Set<number>();
  const toolCalls = new Map<number, number>();
  const finished = new Set<number>();
  const chunk = (index: number, delta: ChatChunkChoice["delta"], extra: Partial<ChatChunkChoice> = {}): ChatCompletionChunk => ({
    id: id!,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index, delta, logprobs: null, finish_reason: null, ...extra }],
  });

  for await (const sse of parseSse(body)) {
    let ev: GenerateContentResponse;
    try {
      ev = JSON.parse(sse.data) as GenerateContentResponse;
    } catch {
      throw upstreamMalformed(t.providerId, "stream event is not valid JSON");
    }
    if (ev.error) throw streamErrorEvent(t.providerId, sse.data, t.secrets);
    id ??= ev.responseId ?? `gen-${Date.now().toString(36)}`;
    if (ev.modelVersion) model = ev.modelVersion;
    if (ev.usageMetadata) usage = ev.usageMetadata;
    const candidates = ev.candidates ?? [];
    if (candidates.length === 0 && ev.promptFeedback?.blockReason) {
      yield chunk(0, { role: "assistant", content: "" });
      yield chunk(0, {}, { finish_reason: "content_filter", native_finish_reason: ev.promptFeedback.blockReason });
      finished.add(0);
      started.add(0);
    }
    for (const [i, c] of candidates.entries()) {
      const index = c.index ?? i;
      if (!started.has(index)) {
        started.add(index);
        yield chunk(index, { role: "assistant", content: "" });
      }
      for (const part of c.content?.parts ?? []) {
        if (typeof part.text === "string" && part.text) yield chunk(index, part.thought ? { reasoning_content: part.text } : { content: part.text });
        else if (part.functionCall) {
          const n = toolCalls.get(index) ?? 0;
          toolCalls.set(index, n + 1);
          const call = { index: n, id: toolCallId(id, index, n, part.functionCall.id), type: "function" as const, function: { name: String(part.functionCall.name ?? ""), arguments: JSON.stringify(part.functionCall.args ?? {}) } };
          yield chunk(index, { tool_calls: [call] });
        }
      }
      if (c.finishReason && !finished.has(index)) {
        finished.add(index);
        yield chunk(index, {}, { finish_reason: finishReasonOf(c.finishReason, (toolCalls.get(index) ?? 0) > 0), native_finish_reason: c.finishReason });
      }
    }
  }
  if (started.size === 0 || [...started].some((i) => !finished.has(i))) throw upstreamStreamBroken(t.providerId, "the stream closed before every candidate finished");
  if (t.includeUsage) yield { id: id!, object: "chat.completion.chunk", created, model, choices: [], usage: usageOf(usage) };
}
