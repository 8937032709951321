/**
 * Chat Completions results → Responses objects: the response skeleton that echoes the request's
 * parameters (as OpenAI does), output items from a completion's message and tool calls, the
 * status from the finish reason, and usage in the Responses shape (the request's account totals).
 */
import type { ChatCompletion, TokenLogprob, Usage } from "../types.js";
import { itemId } from "./ids.js";
import type { ResponsesRequest } from "./schemas.js";
import type { OutputItem, OutputText, ResponseObject, ResponseUsage } from "./types.js";

/** The response before any output: status `in_progress`, parameters echoed from the request. */
export function responseSkeleton(request: ResponsesRequest, id: string, createdAt: number, model: string, store: boolean): ResponseObject {
  return {
    id,
    object: "response",
    created_at: createdAt,
    status: "in_progress",
    completed_at: null,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model,
    output: [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: request.previous_response_id ?? null,
    reasoning: { effort: request.reasoning?.effort ?? null, summary: null },
    store,
    temperature: request.temperature ?? null,
    text: { format: (request.text?.format as Record<string, unknown> | undefined) ?? { type: "text" } },
    tool_choice: request.tool_choice ?? "auto",
    tools: request.tools ?? [],
    top_p: request.top_p ?? null,
    truncation: "disabled",
    usage: null,
    ...(request.user !== undefined ? { user: request.user } : {}),
    metadata: request.metadata ?? {},
  };
}

export function toResponseUsage(usage: Usage): ResponseUsage {
  const reasoning = (usage.completion_tokens_details?.reasoning_tokens as number | undefined) ?? 0;
  return {
    input_tokens: usage.prompt_tokens,
    input_tokens_details: { cached_tokens: usage.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: usage.completion_tokens,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
  };
}

/** Status and incomplete reason for a chat finish reason. */
export function statusFor(finishReason: string | null | undefined): Pick<ResponseObject, "status" | "incomplete_details"> {
  if (finishReason === "length") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (finishReason === "content_filter") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}

export function outputLogprobs(content: TokenLogprob[] | null | undefined): OutputText["logprobs"] {
  return (content ?? []).map((t) => ({
    token: t.token,
    logprob: t.logprob,
    bytes: t.bytes ?? [],
    top_logprobs: (t.top_logprobs ?? []).map((x) => ({ token: x.token, logprob: x.logprob, bytes: x.bytes ?? [] })),
  }));
}

/** Output items of a completion's first choice (the Responses API has no `n`). */
export function outputFromCompletion(responseId: string, completion: ChatCompletion): OutputItem[] {
  const choice = completion.choices[0];
  if (!choice) return [];
  const status = statusFor(choice.finish_reason).status === "completed" ? "completed" : "incomplete";
  const out: OutputItem[] = [];
  const { content, refusal, tool_calls } = choice.message;
  if (content || refusal) {
    out.push({
      type: "message",
      id: itemId(responseId, "msg", out.length),
      status,
      role: "assistant",
      content: refusal && !content ? [{ type: "refusal", refusal }] : [{ type: "output_text", text: content ?? "", annotations: [], logprobs: outputLogprobs(choice.logprobs?.content) }],
    });
  }
  for (const call of tool_calls ?? []) {
    out.push({ type: "function_call", id: itemId(responseId, "fc", out.length), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: "completed" });
  }
  return out;
}
