/**
 * The Responses API's `ChatOutput`: shapes what the chat pipeline produces into Responses objects
 * and semantic stream events. One instance per request (a stream writer has state): it turns chat
 * chunks into `response.created` → `output_item.added` → `content_part.added` →
 * `output_text.delta`… → `…done` → `response.completed`, numbering every event with
 * `sequence_number`, and a failure into `response.failed` + `error`. The usage it reports is the
 * request's account totals, i.e. exactly what the upstream calls reported.
 */
import type { ChatOutput } from "../chat.js";
import type { GatewayError } from "../errors.js";
import type { SseItem } from "../sse-response.js";
import type { ChatCompletion, ChatCompletionChunk } from "../types.js";
import type { AccountTotals } from "../../telemetry/usage.js";
import { outputFromCompletion, outputLogprobs, responseSkeleton, statusFor, toResponseUsage } from "./from-chat.js";
import { itemId } from "./ids.js";
import type { ResponsesRequest } from "./schemas.js";
import type { FunctionCallItem, OutputMessage, OutputText, ResponseObject } from "./types.js";

export interface ResponsesOutputOptions {
  request: ResponsesRequest;
  id: string;
  /** Epoch seconds. */
  createdAt: number;
  store: boolean;
  /** Called with the finished response before the client learns it is complete (stored responses are retrievable at once). */
  persist(response: ResponseObject): Promise<void>;
}

interface OpenMessage {
  index: number;
  item: OutputMessage;
  text: string;
  logprobs: NonNullable<OutputText["logprobs"]>;
}

interface OpenCall {
  index: number;
  item: FunctionCallItem;
}

export class ResponsesOutput implements ChatOutput {
  readonly endpoint = "responses" as const;
  readonly sseDone = false;
  /** The response as last shaped (non-streaming: the final object). */
  response: ResponseObject;
  private seq = 0;
  private started = false;
  private message: OpenMessage | null = null;
  /** Chat tool-call index → open function_call item. */
  private readonly calls = new Map<number, OpenCall>();
  private finishReason: string | null = null;

  constructor(private readonly opts: ResponsesOutputOptions) {
    this.response = responseSkeleton(opts.request, opts.id, opts.createdAt, opts.request.model, opts.store);
  }

  private event(type: string, fields: Record<string, unknown>): SseItem {
    return { event: type, data: { type, sequence_number: this.seq++, ...fields } };
  }

  private snapshot(): ResponseObject {
    return structuredClone(this.response);
  }

  fromCompletion(completion: ChatCompletion): ResponseObject {
    const choice = completion.choices[0];
    this.response = {
      ...this.response,
      model: completion.model || this.response.model,
      ...statusFor(choice?.finish_reason),
      completed_at: Math.floor(Date.now() / 1000),
      output: outputFromCompletion(this.opts.id, completion),
      usage: completion.usage ? toResponseUsage(completion.usage) : null,
    };
    return this.response;
  }

  private *start(model?: string): Generator<SseItem> {
    if (this.started) return;
    this.started = true;
    if (model) this.response.model = model;
    yield this.event("response.created", { response: this.snapshot() });
    yield this.event("response.in_progress", { response: this.snapshot() });
  }

  private *openMessage(): Generator<SseItem> {
    if (this.message) return;
    const index = this.response.output.length;
    const item: OutputMessage = { type: "message", id: itemId(this.opts.id, "msg", index), status: "in_progress", role: "assistant", content: [] };
    this.response.output.push(item);
    this.message = { index, item, text: "", logprobs: [] };
    yield this.event("response.output_item.added", { output_index: index, item: structuredClone(item) });
    yield this.event("response.content_part.added", { item_id: item.id, output_index: index, content_index: 0, part: { type: "output_text", text: "", annotations: [], logprobs: [] } });
  }

  private *closeMessage(status: "completed" | "incomplete"): Generator<SseItem> {
    const m = this.message;
    if (!m) return;
    this.message = null;
    const part: OutputText = { type: "output_text", text: m.text, annotations: [], logprobs: m.logprobs };
    m.item.content = [part];
    m.item.status = status;
    yield this.event("response.output_text.done", { item_id: m.item.id, output_index: m.index, content_index: 0, text: m.text, logprobs: m.logprobs });
    yield this.event("response.content_part.done", { item_id: m.item.id, output_index: m.index, content_index: 0, part });
    yield this.event("response.output_item.done", { output_index: m.index, item: structuredClone(m.item) });
  }

  private *closeCalls(): Generator<SseItem> {
    for (const call of [...this.calls.values()].sort((a, b) => a.index - b.index)) {
      call.item.status = "completed";
      yield this.event("response.function_call_arguments.done", { item_id: call.item.id, output_index: call.index, name: call.item.name, arguments: call.item.arguments });
      yield this.event("response.output_item.done", { output_index: call.index, item: structuredClone(call.item) });
    }
    this.calls.clear();
  }

  *chunk(chunk: ChatCompletionChunk): Iterable<SseItem> {
    yield* this.start(chunk.model);
    const choice = chunk.choices.find((c) => (c.index ?? 0) === 0);
    if (!choice) return;
    const { content, tool_calls } = choice.delta;
    if (content) {
      yield* this.openMessage();
      const m = this.message!;
      m.text += content;
      const logprobs = outputLogprobs(choice.logprobs?.content);
      m.logprobs.push(...logprobs!);
      yield this.event("response.output_text.delta", { item_id: m.item.id, output_index: m.index, content_index: 0, delta: content, logprobs });
    }
    for (const delta of tool_calls ?? []) {
      let call = this.calls.get(delta.index);
      if (!call) {
        yield* this.closeMessage("completed");
        const index = this.response.output.length;
        const item: FunctionCallItem = {
          type: "function_call",
          id: itemId(this.opts.id, "fc", index),
          call_id: delta.id ?? `call_${this.opts.id.slice(5, 21)}_${index}`,
          name: delta.function?.name ?? "",
          arguments: "",
          status: "in_progress",
        };
        this.response.output.push(item);
        call = { index, item };
        this.calls.set(delta.index, call);
        yield this.event("response.output_item.added", { output_index: index, item: structuredClone(item) });
      } else if (delta.function?.name) {
        call.item.name += delta.function.name;
      }
      const args = delta.function?.arguments;
      if (args) {
        call.item.arguments += args;
        yield this.event("response.function_call_arguments.delta", { item_id: call.item.id, output_index: call.index, delta: args });
      }
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  async *streamEnd(template: { model: string }, totals: AccountTotals): AsyncIterable<SseItem> {
    yield* this.start(template.model);
    const { status, incomplete_details } = statusFor(this.finishReason);
    yield* this.closeMessage(status === "completed" ? "completed" : "incomplete");
    yield* this.closeCalls();
    this.response.status = status;
    this.response.incomplete_details = incomplete_details;
    this.response.completed_at = Math.floor(Date.now() / 1000);
    this.response.usage = toResponseUsage(totals.usage);
    await this.opts.persist(this.response);
    yield this.event(status === "completed" ? "response.completed" : "response.incomplete", { response: this.snapshot() });
  }

  /**
   * A failed stream ends with `response.failed` (the SDKs' snapshot gets its error) and then an
   * `error` event carrying the error both flat (OpenAI's documented shape) and nested under
   * `error` (what the API sends and the AI SDK parses; the `openai` SDK throws on it).
   */
  // An arrow property: the pipeline passes this method on detached from the instance.
  errorEvent = (err: GatewayError): SseItem[] => {
    const out = [...this.start()];
    this.response.status = "failed";
    this.response.error = { code: err.code, message: err.message };
    out.push(this.event("response.failed", { response: this.snapshot() }));
    const error = { type: err.type, code: err.code, message: err.message, param: err.param };
    out.push(this.event("error", { code: err.code, message: err.message, param: err.param, error }));
    return out;
  };
}
