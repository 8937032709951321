/**
 * Canonical (OpenAI chat) request → Anthropic Messages request. Anthropic differs in shape, not
 * just in names: the system prompt is a top-level field, turns must alternate user/assistant,
 * tool calls and tool results are content blocks, and `max_tokens` is required. What has no
 * Anthropic equivalent (n>1, logprobs, penalties) is a 400 naming the parameter — never silently
 * dropped or clamped — so a client learns it at once instead of getting a subtly different
 * answer. JSON `response_format`s become a forced answer tool (`json-answer.ts`).
 */
import { invalidParam } from "../../api/errors.js";
import { answerToolChoice, type JsonAnswer, jsonAnswerOf } from "./json-answer.js";
import type { ChatMessage, ChatRequest } from "../../api/schemas.js";
import type { CacheControl, ImageSource, MessagesRequest, RequestBlock, RequestMessage, RequestTool, RequestToolChoice } from "./wire.js";

/**
 * `max_tokens` sent when the client gave neither `max_completion_tokens` nor `max_tokens`
 * (Anthropic requires one). Override per model with `extraBody: { max_tokens: N }`.
 */
export const DEFAULT_MAX_TOKENS = 4096;

/**
 * Anthropic-native body fields a client (via `extra_body`) or a model's `extraBody` may set;
 * forwarded as is. Every other field is built from the OpenAI request above or not sent at all:
 * Anthropic rejects unknown fields, so OpenAI-only hints (`seed`, `store`, `metadata`,
 * `service_tier`, `stream_options`, ...) are not forwarded.
 */
const NATIVE_FIELDS = ["top_k", "thinking"] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function cacheControlOf(part: Record<string, unknown>): { cache_control?: CacheControl } {
  return isRecord(part.cache_control) ? { cache_control: part.cache_control } : {};
}

/** `image_url` (data: URI or http(s) URL) → an Anthropic image source. */
function imageSource(url: unknown, param: string): ImageSource {
  if (typeof url !== "string" || url.length === 0) throw invalidParam(param, `${param} must be a data: URI or an http(s) URL.`);
  if (url.startsWith("data:")) {
    const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (!m) throw invalidParam(param, `${param} must be a base64 data: URI (data:<media type>;base64,<data>).`);
    return { type: "base64", media_type: m[1]!, data: m[2]! };
  }
  if (/^https?:\/\//i.test(url)) return { type: "url", url };
  throw invalidParam(param, `${param} must be a data: URI or an http(s) URL.`);
}

/** A message's content (string, parts or null) → Anthropic blocks (text and images only). */
function contentBlocks(content: ChatMessage["content"], param: string, allowImages: boolean): RequestBlock[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return content.length ? [{ type: "text", text: content }] : [];
  const blocks: RequestBlock[] = [];
  content.forEach((part, j) => {
    const p = part as Record<string, unknown>;
    const at = `${param}[${j}]`;
    if (p.type === "text" || p.type === "refusal") {
      const text = p.type === "text" ? p.text : p.refusal;
      if (typeof text !== "string") throw invalidParam(`${at}.${String(p.type)}`, `${at}.${String(p.type)} must be a string.`);
      if (text.length) blocks.push({ type: "text", text, ...cacheControlOf(p) });
    } else if (p.type === "image_url" && allowImages) {
      const img = p.image_url;
      const url = isRecord(img) ? img.url : img;
      blocks.push({ type: "image", source: imageSource(url, `${at}.image_url.url`), ...cacheControlOf(p) });
    } else {
      throw invalidParam(`${at}.type`, `Content part type "${String(p.type)}" is not supported by Anthropic models here${allowImages ? "" : " in this role"}.`);
    }
  });
  return blocks;
}

function textOnly(content: ChatMessage["content"], param: string): string {
  return contentBlocks(content, param, false)
    .map((b) => (b.type === "text" ? b.text : ""))
    .join("");
}

/** Assistant `tool_calls` → `tool_use` blocks (arguments must be JSON, as Anthropic wants an object). */
function toolUseBlocks(msg: ChatMessage, i: number): RequestBlock[] {
  return (msg.tool_calls ?? []).map((tc, j) => {
    const param = `messages[${i}].tool_calls[${j}]`;
    const fn = (tc as { function?: { name?: unknown; arguments?: unknown } }).function;
    if (!tc.id) throw invalidParam(`${param}.id`, `${param}.id is required.`);
    if (!fn || typeof fn.name !== "string") throw invalidParam(`${param}.function.name`, `${param}.function.name is required.`);
    let input: unknown = {};
    const args = fn.arguments;
    if (typeof args === "string" && args.trim().length) {
      try {
        input = JSON.parse(args);
      } catch {
        throw invalidParam(`${param}.function.arguments`, `${param}.function.arguments must be a JSON object.`);
      }
    }
    if (!isRecord(input)) throw invalidParam(`${param}.function.arguments`, `${param}.function.arguments must be a JSON object.`);
    return { type: "tool_use" as const, id: tc.id, name: fn.name, input };
  });
}

/** Appends blocks to the last turn when it has the same role (Anthropic wants alternating turns). */
function pushTurn(turns: RequestMessage[], role: "user" | "assistant", blocks: RequestBlock[]): void {
  if (blocks.length === 0) return;
  const last = turns.at(-1);
  if (last && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** Anthropic requires `tool_result` blocks to lead a user turn; keep their order otherwise. */
function toolResultsFirst(turn: RequestMessage): void {
  if (turn.role !== "user") return;
  const results = turn.content.filter((b) => b.type === "tool_result");
  if (results.length === 0 || results.length === turn.content.length) return;
  turn.content = [...results, ...turn.content.filter((b) => b.type !== "tool_result")];
}

/** System prompt and turns from OpenAI messages. */
export function translateMessages(messages: ChatMessage[]): Pick<MessagesRequest, "system" | "messages"> {
  const system: NonNullable<MessagesRequest["system"]> = [];
  const turns: RequestMessage[] = [];
  messages.forEach((msg, i) => {
    const param = `messages[${i}].content`;
    switch (msg.role) {
      case "system":
      case "developer":
        // Anthropic has one system prompt; system messages anywhere in the list join it, in order.
        for (const b of contentBlocks(msg.content, param, false)) if (b.type === "text") system.push(b);
        break;
      case "user":
        pushTurn(turns, "user", contentBlocks(msg.content, param, true));
        break;
      case "assistant":
        pushTurn(turns, "assistant", [...contentBlocks(msg.content, param, false), ...toolUseBlocks(msg, i)]);
        break;
      case "tool": {
        if (!msg.tool_call_id) throw invalidParam(`messages[${i}].tool_call_id`, `messages[${i}].tool_call_id is required for tool messages.`);
        pushTurn(turns, "user", [{ type: "tool_result", tool_use_id: msg.tool_call_id, content: textOnly(msg.content, param) }]);
        break;
      }
      case "function":
        throw invalidParam(`messages[${i}].role`, `Legacy "function" messages are not supported for Anthropic models; use "tool" messages with tool_call_id.`);
    }
  });
  for (const t of turns) toolResultsFirst(t);
  if (turns.length === 0) throw invalidParam("messages", "messages must contain at least one user or assistant message for Anthropic models.");
  return { ...(system.length ? { system } : {}), messages: turns };
}

function translateTools(tools: ChatRequest["tools"]): RequestTool[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((t, i) => {
    if (t.type !== "function") throw invalidParam(`tools[${i}].type`, `Tool type "${t.type}" is not supported for Anthropic models; use "function".`);
    const fn = t.function as { name?: unknown; description?: unknown; parameters?: unknown } | undefined;
    if (!fn || typeof fn.name !== "string") throw invalidParam(`tools[${i}].function.name`, `tools[${i}].function.name is required.`);
    return {
      name: fn.name,
      ...(typeof fn.description === "string" ? { description: fn.description } : {}),
      input_schema: isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} },
      ...cacheControlOf(t as Record<string, unknown>),
    };
  });
}

function translateToolChoice(choice: ChatRequest["tool_choice"], parallel: unknown): RequestToolChoice | undefined {
  const noParallel = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined || choice === null) return parallel === false ? { type: "auto", ...noParallel } : undefined;
  if (choice === "auto") return { type: "auto", ...noParallel };
  if (choice === "none") return { type: "none" };
  if (choice === "required") return { type: "any", ...noParallel };
  if (typeof choice === "object" && choice.type === "function") {
    const name = (choice.function as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string") throw invalidParam("tool_choice.function.name", "tool_choice.function.name is required.");
    return { type: "tool", name, ...noParallel };
  }
  throw invalidParam("tool_choice", `tool_choice ${JSON.stringify(choice)} is not supported for Anthropic models.`);
}

/** Rejects OpenAI parameters that would change the answer but have no Anthropic equivalent. */
function rejectUnsupported(req: ChatRequest): void {
  if ((req.n ?? 1) > 1) throw invalidParam("n", "Anthropic models return one choice per request; n must be 1.");
  if (req.logprobs === true) throw invalidParam("logprobs", "Anthropic models do not return logprobs.");
  if ((req.top_logprobs ?? 0) > 0) throw invalidParam("top_logprobs", "Anthropic models do not return logprobs.");
  if (req.temperature != null && req.temperature > 1) throw invalidParam("temperature", "temperature must be between 0 and 1 for Anthropic models.");
  for (const p of ["frequency_penalty", "presence_penalty"] as const) {
    const v = (req as Record<string, unknown>)[p];
    if (v != null && v !== 0) throw invalidParam(p, `${p} is not supported by Anthropic models.`);
  }
  const bias = (req as Record<string, unknown>).logit_bias;
  if (isRecord(bias) && Object.keys(bias).length) throw invalidParam("logit_bias", "logit_bias is not supported by Anthropic models.");
}

/**
 * The full Messages request body for `model`. With a JSON `response_format`, `answer` is its answer
 * tool (`json-answer.ts`); the response translators turn its call back into content.
 */
export function toMessagesRequest(model: string, req: ChatRequest, stream: boolean, answer: JsonAnswer | undefined = jsonAnswerOf(req)): MessagesRequest {
  rejectUnsupported(req);
  const body: MessagesRequest = {
    model,
    max_tokens: req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS,
    ...translateMessages(req.messages),
  };
  if (req.temperature != null) body.temperature = req.temperature;
  if (req.top_p != null) body.top_p = req.top_p;
  if (req.stop != null) body.stop_sequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  const choice = translateToolChoice(req.tool_choice, (req as Record<string, unknown>).parallel_tool_calls);
  // `tool_choice: none` with a JSON answer: the client's tools sit this turn out.
  const tools = answer && choice?.type === "none" ? undefined : translateTools(req.tools);
  if (answer) {
    body.tools = [...(tools ?? []), answer.tool];
    body.tool_choice = answerToolChoice(answer, tools?.length ?? 0, choice);
  } else {
    if (tools) body.tools = tools;
    if (choice && tools) body.tool_choice = choice;
  }
  const raw = req as Record<string, unknown>;
  for (const f of NATIVE_FIELDS) if (raw[f] !== undefined) body[f] = raw[f];
  // Extended thinking refuses a forced tool choice: the answer tool is then offered, not forced,
  // and the system prompt asks for it (an answer given as text is passed on as it is).
  if (answer && isRecord(body.thinking) && body.thinking.type === "enabled" && body.tool_choice && body.tool_choice.type !== "auto" && body.tool_choice.type !== "none") {
    body.tool_choice = { type: "auto" };
    const ask = { type: "text" as const, text: `Give your final answer by calling the ${answer.name} tool.` };
    body.system = [...(body.system ?? []), ask];
  }
  if (typeof req.user === "string") body.metadata = { user_id: req.user };
  if (stream) body.stream = true;
  return body;
}
