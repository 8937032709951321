/**
 * Anthropic stream events → OpenAI chat chunks, one chunk out per event in, as they arrive.
 *
 *   message_start                        → role chunk (usage so far remembered)
 *   content_block_start  text            → (nothing; its deltas follow)
 *   content_block_start  tool_use        → tool_call delta {index, id, type, name, arguments: ""}
 *   content_block_delta  text_delta      → content delta
 *   content_block_delta  input_json_delta→ tool_call delta {index, arguments piece}
 *   content_block_delta  thinking_delta  → `reasoning_content` delta
 *   message_delta                        → finish chunk (finish_reason + native_finish_reason)
 *   message_stop                         → usage chunk with empty choices (when includeUsage)
 *   ping / unknown events                → ignored (Anthropic may add event types)
 *   error                                → thrown as the GatewayError its HTTP twin would give
 *
 * A stream that closes without `message_stop` is an error, never a clean-looking end.
 *
 * With a JSON `response_format`, the answer tool's input (`json-answer.ts`) is streamed as content
 * deltas instead of a tool call (buffered to its block's end when the schema was wrapped), and its
 * `tool_use` stop is a `stop`.
 */
import { parseSse } from "../../api/sse.js";
import type { ChatChunkChoice, ChatCompletionChunk, Usage } from "../../api/types.js";
import { upstreamMalformed, upstreamStreamBroken } from "../errors.js";
import { streamErrorEvent } from "./errors.js";
import { finishReasonOf, usageOf } from "./response.js";
import { answerText, type JsonAnswer } from "./json-answer.js";
import type { AnthropicUsage, MessagesResponse, ResponseBlock } from "./wire.js";

interface StreamEvent {
  type?: string;
  index?: number;
  message?: MessagesResponse;
  content_block?: ResponseBlock;
  delta?: { type?: string; text?: string; partial_json?: string; thinking?: string; stop_reason?: string | null; stop_sequence?: string | null };
  usage?: AnthropicUsage;
}

export interface StreamTranslation {
  providerId: string;
  /** Model name to report until `message_start` names the real one. */
  model: string;
  includeUsage: boolean;
  secrets: Array<string | undefined>;
  /** The answer tool of a JSON `response_format`. */
  answer?: JsonAnswer;
}

/** Translates an Anthropic SSE body into OpenAI chunks. */
export async function* toChatChunks(body: AsyncIterable<Uint8Array>, t: StreamTranslation): AsyncGenerator<ChatCompletionChunk> {
  let id = "msg_unknown";
  let model = t.model;
  const created = Math.floor(Date.now() / 1000);
  const usage: AnthropicUsage = {};
  /** Content block index → OpenAI tool_calls index, for tool_use blocks. */
  const toolIndex = new Map<number, number>();
  /** Content block index of the answer tool's call, and its input so far when it must be unwrapped. */
  let answerBlock: number | undefined;
  let answerJson = "";
  let stopped = false;

  const chunk = (delta: ChatChunkChoice["delta"], extra: Partial<ChatChunkChoice> = {}): ChatCompletionChunk => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null, ...extra }],
  });

  for await (const sse of parseSse(body)) {
    if (sse.event === "error") throw streamErrorEvent(t.providerId, sse.data, t.secrets);
    let ev: StreamEvent;
    try {
      ev = JSON.parse(sse.data) as StreamEvent;
    } catch {
      throw upstreamMalformed(t.providerId, "stream event is not valid JSON");
    }
    switch (ev.type) {
      case "message_start":
        id = ev.message?.id ?? id;
        model = ev.message?.model ?? model;
        Object.assign(usage, ev.message?.usage);
        yield chunk({ role: "assistant", content: "" });
        break;
      case "content_block_start": {
        const block = ev.content_block;
        if (block?.type === "tool_use" && t.answer && block.name === t.answer.name) answerBlock = ev.index ?? -1;
        else if (block?.type === "tool_use") {
          const index = toolIndex.size;
          toolIndex.set(ev.index ?? index, index);
          yield chunk({ tool_calls: [{ index, id: String(block.id ?? ""), type: "function", function: { name: String(block.name ?? ""), arguments: "" } }] });
        } else if (block?.type === "text" && block.text) {
          yield chunk({ content: block.text });
        }
        break;
      }
      case "content_block_delta": {
        const d = ev.delta;
        if (d?.type === "text_delta" && d.text) yield chunk({ content: d.text });
        else if (d?.type === "input_json_delta" && d.partial_json && answerBlock !== undefined && (ev.index ?? -1) === answerBlock) {
          if (t.answer!.wrapped) answerJson += d.partial_json;
          else yield chunk({ content: d.partial_json });
        } else if (d?.type === "input_json_delta" && d.partial_json) {
          const index = toolIndex.get(ev.index ?? -1);
          if (index === undefined) throw upstreamMalformed(t.providerId, `input_json_delta for block ${ev.index} that is not a tool_use block`);
          yield chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] });
        } else if (d?.type === "thinking_delta" && d.thinking) yield chunk({ reasoning_content: d.thinking });
        break;
      }
      case "content_block_stop":
        if (answerBlock !== undefined && (ev.index ?? -1) === answerBlock && t.answer!.wrapped) {
          let input: unknown;
          try {
            input = JSON.parse(answerJson || "{}");
          } catch {
            throw upstreamMalformed(t.providerId, "the answer tool's input is not valid JSON");
          }
          yield chunk({ content: answerText(input, t.answer!) });
        }
        break;
      case "message_delta": {
        // message_delta usage is cumulative; newer API versions also repeat the input counts here.
        for (const [k, v] of Object.entries(ev.usage ?? {})) if (typeof v === "number") usage[k] = v;
        const reason = ev.delta?.stop_reason ?? null;
        const finish = answerBlock !== undefined && reason === "tool_use" && toolIndex.size === 0 ? "stop" : finishReasonOf(reason);
        yield chunk({}, { finish_reason: finish, native_finish_reason: reason, ...(ev.delta?.stop_sequence ? { stop_sequence: ev.delta.stop_sequence } : {}) });
        break;
      }
      case "message_stop":
        stopped = true;
        if (t.includeUsage) yield { id, object: "chat.completion.chunk", created, model, choices: [], usage: usageOf(usage) satisfies Usage };
        break;
      case "error":
        throw streamErrorEvent(t.providerId, sse.data, t.secrets);
      default:
        // ping, and event types added after this adapter was written.
        break;
    }
    if (stopped) break;
  }
  if (!stopped) throw upstreamStreamBroken(t.providerId, "the stream closed before message_stop");
}
