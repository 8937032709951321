/**
 * Canonical (OpenAI chat) request → Gemini `generateContent` request. Gemini puts the system
 * prompt in `systemInstruction`, calls the assistant `model`, carries tool calls and results as
 * `functionCall` / `functionResponse` parts (matched by function *name*, so a tool message's name
 * is looked up from the assistant call it answers), and keeps sampling knobs in
 * `generationConfig`. What has no Gemini equivalent here is a 400 naming the parameter.
 */
import { invalidParam } from "../../api/errors.js";
import type { ChatMessage, ChatRequest } from "../../api/schemas.js";
import type { Content, GenerateContentRequest, Part } from "./wire.js";

/**
 * Gemini-native body fields a client (`extra_body`) or a model's `extraBody` may set; forwarded
 * as is. Gemini rejects unknown fields, so no other OpenAI field is forwarded.
 */
const NATIVE_FIELDS = ["safetySettings", "cachedContent", "labels"] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const MIME_BY_EXT: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp", gif: "image/gif", heic: "image/heic", pdf: "application/pdf" };

/** `image_url` → inline base64 data (data: URI) or a file reference (http(s) URL). */
function imagePart(url: unknown, param: string): Part {
  if (typeof url === "string" && url.startsWith("data:")) {
    const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
    if (!m) throw invalidParam(param, `${param} must be a base64 data: URI (data:<media type>;base64,<data>).`);
    return { inlineData: { mimeType: m[1]!, data: m[2]! } };
  }
  if (typeof url === "string" && /^https?:\/\//i.test(url)) {
    const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase() ?? "";
    return { fileData: { mimeType: MIME_BY_EXT[ext] ?? "image/jpeg", fileUri: url } };
  }
  throw invalidParam(param, `${param} must be a data: URI or an http(s) URL.`);
}

function contentParts(content: ChatMessage["content"], param: string, allowImages: boolean): Part[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return content.length ? [{ text: content }] : [];
  return content.flatMap((part, j): Part[] => {
    const p = part as Record<string, unknown>;
    const at = `${param}[${j}]`;
    if (p.type === "text" || p.type === "refusal") {
      const text = p.type === "text" ? p.text : p.refusal;
      if (typeof text !== "string") throw invalidParam(`${at}.${String(p.type)}`, `${at}.${String(p.type)} must be a string.`);
      return text.length ? [{ text }] : [];
    }
    if (p.type === "image_url" && allowImages) {
      const img = p.image_url;
      return [imagePart(isRecord(img) ? img.url : img, `${at}.image_url.url`)];
    }
    throw invalidParam(`${at}.type`, `Content part type "${String(p.type)}" is not supported by Gemini models here${allowImages ? "" : " in this role"}.`);
  });
}

const textOf = (content: ChatMessage["content"], param: string) =>
  contentParts(content, param, false)
    .map((p) => ("text" in p ? p.text : ""))
    .join("");

function pushTurn(turns: Content[], role: Content["role"], parts: Part[]): void {
  if (parts.length === 0) return;
  const last = turns.at(-1);
  if (last && last.role === role) last.parts.push(...parts);
  else turns.push({ role, parts });
}

/** System instruction and contents from OpenAI messages. */
export function translateMessages(messages: ChatMessage[]): Pick<GenerateContentRequest, "contents" | "systemInstruction"> {
  const system: Array<{ text: string }> = [];
  const turns: Content[] = [];
  /** tool_call_id → function name, from the assistant messages seen so far. */
  const callNames = new Map<string, string>();
  messages.forEach((msg, i) => {
    const param = `messages[${i}].content`;
    switch (msg.role) {
      case "system":
      case "developer":
        for (const p of contentParts(msg.content, param, false)) if ("text" in p) system.push({ text: p.text });
        break;
      case "user":
        pushTurn(turns, "user", contentParts(msg.content, param, true));
        break;
      case "assistant": {
        const calls = (msg.tool_calls ?? []).map((tc, j): Part => {
          const at = `messages[${i}].tool_calls[${j}]`;
          const fn = (tc as { function?: { name?: unknown; arguments?: unknown } }).function;
          if (!fn || typeof fn.name !== "string") throw invalidParam(`${at}.function.name`, `${at}.function.name is required.`);
          let args: unknown = {};
          if (typeof fn.arguments === "string" && fn.arguments.trim()) {
            try {
              args = JSON.parse(fn.arguments);
            } catch {
              throw invalidParam(`${at}.function.arguments`, `${at}.function.arguments must be a JSON object.`);
            }
          }
          if (!isRecord(args)) throw invalidParam(`${at}.function.arguments`, `${at}.function.arguments must be a JSON object.`);
          if (tc.id) callNames.set(tc.id, fn.name);
          return { functionCall: { name: fn.name, args } };
        });
        pushTurn(turns, "model", [...contentParts(msg.content, param, false), ...calls]);
        break;
      }
      case "tool": {
        const name = msg.tool_call_id ? callNames.get(msg.tool_call_id) : undefined;
        if (!name) throw invalidParam(`messages[${i}].tool_call_id`, `messages[${i}].tool_call_id must name a tool call of an earlier assistant message.`);
        const text = textOf(msg.content, param);
        let response: Record<string, unknown> = { result: text };
        try {
          const parsed: unknown = JSON.parse(text);
          if (isRecord(parsed)) response = parsed;
        } catch {
          /* plain-text tool output stays wrapped as {result} */
        }
        pushTurn(turns, "user", [{ functionResponse: { name, response } }]);
        break;
      }
      case "function":
        throw invalidParam(`messages[${i}].role`, `Legacy "function" messages are not supported for Gemini models; use "tool" messages with tool_call_id.`);
    }
  });
  if (turns.length === 0) throw invalidParam("messages", "messages must contain at least one user or assistant message for Gemini models.");
  return { contents: turns, ...(system.length ? { systemInstruction: { parts: system } } : {}) };
}

function translateTools(req: ChatRequest): Pick<GenerateContentRequest, "tools" | "toolConfig"> {
  if (!req.tools?.length) return {};
  const functionDeclarations = req.tools.map((t, i) => {
    if (t.type !== "function") throw invalidParam(`tools[${i}].type`, `Tool type "${t.type}" is not supported for Gemini models; use "function".`);
    const fn = t.function as { name?: unknown; description?: unknown; parameters?: unknown } | undefined;
    if (!fn || typeof fn.name !== "string") throw invalidParam(`tools[${i}].function.name`, `tools[${i}].function.name is required.`);
    // `parametersJsonSchema` takes JSON Schema as OpenAI clients write it (`additionalProperties`,
    // `$defs`/`$ref`, unions); `parameters` takes only Google's OpenAPI subset.
    return { name: fn.name, ...(typeof fn.description === "string" ? { description: fn.description } : {}), ...(isRecord(fn.parameters) ? { parametersJsonSchema: fn.parameters } : {}) };
  });
  const choice = req.tool_choice;
  let toolConfig: GenerateContentRequest["toolConfig"];
  if (choice === "auto") toolConfig = { functionCallingConfig: { mode: "AUTO" } };
  else if (choice === "none") toolConfig = { functionCallingConfig: { mode: "NONE" } };
  else if (choice === "required") toolConfig = { functionCallingConfig: { mode: "ANY" } };
  else if (typeof choice === "object" && choice.type === "function") {
    const name = (choice.function as { name?: unknown } | undefined)?.name;
    if (typeof name !== "string") throw invalidParam("tool_choice.function.name", "tool_choice.function.name is required.");
    toolConfig = { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [name] } };
  } else if (choice !== undefined) throw invalidParam("tool_choice", `tool_choice ${JSON.stringify(choice)} is not supported for Gemini models.`);
  return { tools: [{ functionDeclarations }], ...(toolConfig ? { toolConfig } : {}) };
}

function generationConfig(req: ChatRequest): Record<string, unknown> {
  const raw = req as Record<string, unknown>;
  if (req.logprobs === true) throw invalidParam("logprobs", "logprobs are not supported for Gemini models here.");
  if ((req.top_logprobs ?? 0) > 0) throw invalidParam("top_logprobs", "logprobs are not supported for Gemini models here.");
  if (raw.logit_bias && isRecord(raw.logit_bias) && Object.keys(raw.logit_bias).length) throw invalidParam("logit_bias", "logit_bias is not supported by Gemini models.");
  const g: Record<string, unknown> = {};
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens != null) g.maxOutputTokens = maxTokens;
  if (req.temperature != null) g.temperature = req.temperature;
  if (req.top_p != null) g.topP = req.top_p;
  if (req.stop != null) g.stopSequences = typeof req.stop === "string" ? [req.stop] : req.stop;
  if ((req.n ?? 1) > 1) g.candidateCount = req.n;
  if (req.seed != null) g.seed = req.seed;
  if (typeof raw.presence_penalty === "number") g.presencePenalty = raw.presence_penalty;
  if (typeof raw.frequency_penalty === "number") g.frequencyPenalty = raw.frequency_penalty;
  const format = req.response_format;
  if (format?.type === "json_object") g.responseMimeType = "application/json";
  else if (format?.type === "json_schema") {
    const schema = (format.json_schema as { schema?: unknown } | undefined)?.schema;
    g.responseMimeType = "application/json";
    // JSON Schema as the client wrote it (Gemini 2.5 and later); `responseSchema` would take
    // only Google's OpenAPI subset and refuse `additionalProperties`, `$defs` and the like.
    if (isRecord(schema)) g.responseJsonSchema = schema;
  } else if (format && format.type !== "text") throw invalidParam("response_format", `response_format "${format.type}" is not supported for Gemini models.`);
  if (isRecord(raw.generationConfig)) {
    Object.assign(g, raw.generationConfig);
    // The two schema fields are mutually exclusive; one set by hand wins.
    if (raw.generationConfig.responseSchema !== undefined && raw.generationConfig.responseJsonSchema === undefined) delete g.responseJsonSchema;
  }
  return g;
}

/** The full `generateContent` body. */
export function toGenerateContentRequest(req: ChatRequest): GenerateContentRequest {
  const body: GenerateContentRequest = { ...translateMessages(req.messages), ...translateTools(req) };
  const g = generationConfig(req);
  if (Object.keys(g).length) body.generationConfig = g;
  const raw = req as Record<string, unknown>;
  for (const f of NATIVE_FIELDS) if (raw[f] !== undefined) body[f] = raw[f];
  return body;
}
