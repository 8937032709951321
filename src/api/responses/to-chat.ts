/**
 * Responses request → the one canonical Chat Completions request, so routing, strategies, budgets
 * and accounting run unchanged for `/v1/responses`. Parameters map one to one; what has no Chat
 * Completions meaning (`store`, `metadata`, `previous_response_id`, ...) stays at the gateway;
 * what cannot be translated (hosted tools, `background`) is a 400 naming the parameter, never
 * silently dropped. Unknown fields pass through for upstreams that understand them.
 */
import { invalidParam } from "../errors.js";
import type { ChatMessage, ChatRequest } from "../schemas.js";
import type { ConversationItem } from "./conversation.js";
import type { ContentPart, ResponsesRequest } from "./schemas.js";

/** Fields of a Responses request that are consumed here (everything else is forwarded as is). */
const CONSUMED = new Set([
  "model",
  "input",
  "instructions",
  "tools",
  "tool_choice",
  "text",
  "temperature",
  "top_p",
  "max_output_tokens",
  "metadata",
  "parallel_tool_calls",
  "store",
  "previous_response_id",
  "stream",
  "stream_options",
  "user",
  "top_logprobs",
  "reasoning",
  "include",
  "truncation",
  "octoroute",
]);

/** Responses features that have no Chat Completions equivalent: a 400 rather than a silent drop. */
const UNSUPPORTED: Record<string, string> = {
  background: "Background responses are not supported by this gateway.",
  conversation: "Conversations objects are not supported by this gateway; continue with previous_response_id.",
  prompt: "Stored prompt templates are not supported by this gateway.",
};

type ChatPart = { type: string; [k: string]: unknown };

function userPart(part: ContentPart, path: string | null): ChatPart {
  const param = path ?? "previous_response_id";
  switch (part.type) {
    case "input_text":
    case "output_text":
      return { type: "text", text: part.text };
    case "refusal":
      return { type: "text", text: part.refusal };
    case "input_image":
      if (!part.image_url) throw invalidParam(`${param}.image_url`, "Images by file_id are not supported by this gateway; send image_url (a URL or a data: URL).");
      return { type: "image_url", image_url: { url: part.image_url, ...(part.detail ? { detail: part.detail } : {}) } };
    case "input_file":
      if (!part.file_data && !part.file_id) throw invalidParam(`${param}.file_data`, "Files must be sent inline as file_data (file_url is not supported by this gateway).");
      return { type: "file", file: { ...(part.file_data ? { file_data: part.file_data } : {}), ...(part.file_id ? { file_id: part.file_id } : {}), ...(part.filename ? { filename: part.filename } : {}) } };
  }
}

/** Chat content: a plain string when every part is text (what every upstream accepts), else parts. */
function chatContent(content: string | ContentPart[], path: string | null): string | ChatPart[] {
  if (typeof content === "string") return content;
  const parts = content.map((p, i) => userPart(p, path === null ? null : `${path}.content[${i}]`));
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text as string).join("") : parts;
}

function textOf(content: string | ContentPart[], path: string | null): string {
  const c = chatContent(content, path);
  if (typeof c === "string") return c;
  throw invalidParam(path ?? "previous_response_id", "Assistant messages and tool outputs may only contain text when translated to Chat Completions.");
}

/** The conversation as chat messages; consecutive function calls join one assistant message. */
export function toChatMessages(instructions: string | null | undefined, items: ConversationItem[]): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (instructions) messages.push({ role: "system", content: instructions });
  // The assistant message that function calls may still join (none after a tool result or user turn).
  let openAssistant: ChatMessage | null = null;
  for (const { item, path } of items) {
    switch (item.type) {
      case "message":
        if (item.role === "assistant") {
          openAssistant = { role: "assistant", content: textOf(item.content, path) };
          messages.push(openAssistant);
        } else {
          openAssistant = null;
          messages.push({ role: item.role, content: chatContent(item.content, path) });
        }
        break;
      case "function_call": {
        if (!openAssistant) {
          openAssistant = { role: "assistant", content: null };
          messages.push(openAssistant);
        }
        const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } };
        openAssistant.tool_calls = [...(openAssistant.tool_calls ?? []), call];
        break;
      }
      case "function_call_output":
        openAssistant = null;
        messages.push({ role: "tool", tool_call_id: item.call_id, content: textOf(item.output, path === null ? null : `${path}.output`) });
        break;
      case "reasoning":
        // Reasoning of earlier turns belongs to the upstream that produced it.
        break;
      case "item_reference":
        throw invalidParam(path ?? "input", "item_reference must be resolved before translation.");
    }
  }
  if (messages.length === 0) throw invalidParam("input", "The input has no messages.");
  return messages;
}

function chatTools(request: ResponsesRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (request.tools?.length) {
    out.tools = request.tools.map((tool, i) => {
      if (tool.type !== "function") {
        throw invalidParam(`tools[${i}].type`, `Tool type "${tool.type}" is not supported for this model; only function tools are (hosted tools need an upstream with the native Responses API).`);
      }
      const fn: Record<string, unknown> = { name: tool.name };
      if (tool.description) fn.description = tool.description;
      if (tool.parameters) fn.parameters = tool.parameters;
      if (typeof tool.strict === "boolean") fn.strict = tool.strict;
      return { type: "function", function: fn };
    });
    if (typeof request.parallel_tool_calls === "boolean") out.parallel_tool_calls = request.parallel_tool_calls;
  }
  const choice = request.tool_choice;
  if (typeof choice === "string") out.tool_choice = choice;
  else if (choice) {
    if (choice.type !== "function" || !choice.name) throw invalidParam("tool_choice", `tool_choice of type "${choice.type}" is not supported; use auto, none, required or {type: "function", name}.`);
    out.tool_choice = { type: "function", function: { name: choice.name } };
  }
  return out;
}

function responseFormat(request: ResponsesRequest): Record<string, unknown> | undefined {
  const format = request.text?.format;
  if (!format || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  const { type: _t, name, schema, description, strict } = format as { type: string; name: string; schema: unknown; description?: string; strict?: boolean | null };
  return { type: "json_schema", json_schema: { name, schema, ...(description ? { description } : {}), ...(typeof strict === "boolean" ? { strict } : {}) } };
}

/** The canonical chat request for a Responses request and its resolved conversation. */
export function toChatRequest(request: ResponsesRequest, items: ConversationItem[]): ChatRequest {
  for (const [field, message] of Object.entries(UNSUPPORTED)) {
    const value = (request as Record<string, unknown>)[field];
    if (value !== undefined && value !== null && value !== false) throw invalidParam(field, message, "unsupported_parameter");
  }
  const chat: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(request)) if (!CONSUMED.has(k) && !(k in UNSUPPORTED)) chat[k] = v;
  chat.model = request.model;
  chat.messages = toChatMessages(request.instructions, items);
  Object.assign(chat, chatTools(request));
  const format = responseFormat(request);
  if (format) chat.response_format = format;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.max_output_tokens != null) chat.max_completion_tokens = request.max_output_tokens;
  if (request.user !== undefined) chat.user = request.user;
  if (request.top_logprobs != null && request.top_logprobs > 0) {
    chat.logprobs = true;
    chat.top_logprobs = request.top_logprobs;
  }
  if (request.reasoning?.effort) chat.reasoning_effort = request.reasoning.effort;
  if (request.stream) chat.stream = true;
  if (request.octoroute) chat.octoroute = request.octoroute;
  return chat as ChatRequest;
}
