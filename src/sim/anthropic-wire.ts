/**
 * Anthropic Messages protocol for the sim (`POST /v1/messages`), streaming and not. What the
 * model says comes from the same behaviours as the OpenAI side (the request is shown to them in
 * OpenAI terms); this file owns Anthropic's wire format: required headers and `max_tokens`, error
 * bodies `{type:"error", error:{type,message}}`, content blocks, `stop_reason`, usage with cache
 * reads/writes, and the named SSE events with their block indices.
 *
 * Sim-only knobs (request headers, forwarded by a gateway that lists them in `forwardHeaders`):
 * - `x-sim-fault`: the shared faults, plus `529` (Anthropic's `overloaded_error`).
 * - `x-sim-stop-reason: <reason>` forces `stop_reason` (to exercise every mapping).
 * - `x-sim-stream-error: <error type>` sends an `error` event halfway through a stream.
 * - an `x-api-key` starting with `sk-ant-invalid` gets a 401 whose message echoes the key, the
 *   way careless upstreams do, so a gateway's redaction can be checked.
 * Prompt caching: the prompt up to the last `cache_control` block is the cacheable prefix; the
 * first request with a prefix reports it as `cache_creation_input_tokens`, later ones as
 * `cache_read_input_tokens` (no minimum length, unlike the real API).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChoiceOut } from "./openai-wire.js";
import { countTokens, hash32 } from "./random.js";
import type { ChatLikeMessage, FaultSpec, GenInput, GenToken, SimModelConfig } from "./types.js";
import { stall } from "./faults.js";

export interface AnthropicSimDeps {
  generate(input: Omit<GenInput, "seed" | "index">, n: number): ChoiceOut[];
  outputTokens(choices: ChoiceOut[]): number;
  fault: FaultSpec | undefined;
  stats: { promptTokens: number; completionTokens: number };
  sleep(ms: number): Promise<unknown>;
  /** Hashes of prompt prefixes already written to the simulated prompt cache. */
  promptCache: Set<string>;
}

type Block = Record<string, unknown> & { type?: unknown; cache_control?: unknown };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function sendError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ type: "error", error: { type, message }, request_id: `req_sim${hash32(message + Date.now()).toString(36)}` });
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Blocks of a `content` or `system` field (a string is one text block). */
function blocksOf(content: unknown): Block[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function blockText(b: Block): string {
  if (b.type === "text") return String(b.text ?? "");
  if (b.type === "tool_result") return blocksOf(b.content).map(blockText).join("");
  if (b.type === "tool_use") return JSON.stringify(b.input ?? {});
  return "";
}

function blockTokens(b: Block): number {
  if (b.type === "image") return 100;
  if (b.type === "tool_use") return countTokens(String(b.name ?? "")) + countTokens(JSON.stringify(b.input ?? {}));
  return countTokens(blockText(b));
}

/** Validates the body the way the real API does, returning a 400 message or null. */
function invalid(body: Record<string, unknown>): string | null {
  if (typeof body.model !== "string" || !body.model) return "model: Field required";
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return "max_tokens: Field required";
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) return "messages: at least one message is required";
  for (const [i, m] of messages.entries()) {
    if (!isRecord(m) || (m.role !== "user" && m.role !== "assistant")) return `messages.${i}.role: Input should be 'user' or 'assistant'`;
  }
  // Like the real API: every tool_use must be answered by tool_result blocks leading the next turn.
  for (const [i, m] of (messages as Array<{ role: string; content: unknown }>).entries()) {
    const ids = m.role === "assistant" ? blocksOf(m.content).filter((b) => b.type === "tool_use").map((b) => String(b.id)) : [];
    if (ids.length === 0) continue;
    const next = messages[i + 1] as { role: string; content: unknown } | undefined;
    const leading: string[] = [];
    for (const b of next?.role === "user" ? blocksOf(next.content) : []) {
      if (b.type !== "tool_result") break;
      leading.push(String(b.tool_use_id));
    }
    const missing = ids.filter((id) => !leading.includes(id));
    if (next && missing.length) return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}`;
  }
  const t = body.temperature;
  if (t !== undefined && (typeof t !== "number" || t < 0 || t > 1)) return "temperature: Input should be less than or equal to 1";
  const last = messages.at(-1) as { role: string; content: unknown };
  if (last.role === "assistant" && /\s$/.test(blocksOf(last.content).map(blockText).join(""))) return "final assistant content cannot end with trailing whitespace";
  return null;
}

/** The request as the behaviours understand it (OpenAI chat terms). */
function behaviourView(body: Record<string, unknown>): { messages: ChatLikeMessage[]; openaiBody: Record<string, unknown> } {
  const messages: ChatLikeMessage[] = [];
  const system = blocksOf(body.system).map(blockText).join("\n");
  if (system) messages.push({ role: "system", content: system });
  for (const m of body.messages as Array<{ role: string; content: unknown }>) {
    const blocks = blocksOf(m.content);
    const onlyResults = m.role === "user" && blocks.length > 0 && blocks.every((b) => b.type === "tool_result");
    messages.push({ role: onlyResults ? "tool" : m.role, content: blocks.map(blockText).join("") });
  }
  const tools = Array.isArray(body.tools)
    ? body.tools.filter(isRecord).map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } }))
    : undefined;
  const tc = isRecord(body.tool_choice) ? body.tool_choice : undefined;
  const toolChoice = !tc ? undefined : tc.type === "any" ? "required" : tc.type === "none" ? "none" : tc.type === "tool" ? { type: "function", function: { name: tc.name } } : "auto";
  return { messages, openaiBody: { ...body, tools, tool_choice: toolChoice } };
}

/** Prompt tokens, split into uncached input and a cached prefix (read or written). */
function promptUsage(body: Record<string, unknown>, cache: Set<string>) {
  const ordered: Block[] = [];
  if (Array.isArray(body.tools)) ordered.push(...body.tools.filter(isRecord).map((t) => ({ ...t, type: "tool_def", text: `${t.name} ${t.description ?? ""} ${JSON.stringify(t.input_schema ?? {})}` })));
  ordered.push(...blocksOf(body.system));
  for (const m of body.messages as Array<{ content: unknown }>) ordered.push({ type: "turn" }, ...blocksOf(m.content));
  let total = 0;
  let prefix = 0;
  let prefixEnd = -1;
  ordered.forEach((b, i) => {
    total += b.type === "turn" ? 1 : b.type === "tool_def" ? countTokens(String(b.text)) : blockTokens(b);
    if (b.cache_control !== undefined) {
      prefix = total;
      prefixEnd = i;
    }
  });
  let read = 0;
  let write = 0;
  if (prefixEnd >= 0) {
    const key = `${String(body.model)}|${hash32(JSON.stringify(ordered.slice(0, prefixEnd + 1)))}`;
    if (cache.has(key)) read = prefix;
    else {
      write = prefix;
      if (cache.size > 10_000) cache.clear();
      cache.add(key);
    }
  }
  return { input_tokens: total - read - write, cache_creation_input_tokens: write, cache_read_input_tokens: read };
}

const STOP_REASONS: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", content_filter: "refusal" };

interface Answer {
  text: string;
  tokens: GenToken[];
  toolUses: Array<{ id: string; name: string; input: unknown; json: string }>;
  stopReason: string;
  stopSequence: string | null;
  outputTokens: number;
}

/** Cuts the generated text at the earliest stop sequence, as the real API does. */
function applyStopSequences(tokens: GenToken[], sequences: unknown): { tokens: GenToken[]; hit: string | null } {
  if (!Array.isArray(sequences) || sequences.length === 0) return { tokens, hit: null };
  const text = tokens.map((t) => t.text).join("");
  let at = -1;
  let hit: string | null = null;
  for (const s of sequences) {
    if (typeof s !== "string" || !s) continue;
    const i = text.indexOf(s);
    if (i !== -1 && (at === -1 || i < at)) [at, hit] = [i, s];
  }
  if (hit === null) return { tokens, hit: null };
  const kept: GenToken[] = [];
  let pos = 0;
  for (const t of tokens) {
    if (pos >= at) break;
    kept.push(pos + t.text.length <= at ? t : { ...t, text: t.text.slice(0, at - pos) });
    pos += t.text.length;
  }
  return { tokens: kept, hit };
}

function answer(choice: ChoiceOut, body: Record<string, unknown>, msgId: string, forced: string | undefined): Answer {
  const { tokens, hit } = applyStopSequences(choice.out.tokens, body.stop_sequences);
  const toolUses = (choice.out.toolCalls ?? []).map((tc, i) => ({
    id: `toolu_sim${hash32(`${msgId}|${i}`).toString(36)}${i}`,
    name: tc.name,
    input: JSON.parse(tc.arguments) as unknown,
    json: tc.arguments,
  }));
  const outputTokens = tokens.length + toolUses.reduce((s, t) => s + countTokens(t.name) + countTokens(t.json), 0);
  const stopReason = forced ?? (hit !== null ? "stop_sequence" : (STOP_REASONS[choice.out.finishReason] ?? "end_turn"));
  return { text: tokens.map((t) => t.text).join(""), tokens, toolUses, stopReason, stopSequence: hit, outputTokens };
}

function contentOf(a: Answer): object[] {
  return [...(a.text ? [{ type: "text", text: a.text }] : []), ...a.toolUses.map((t) => ({ type: "tool_use", id: t.id, name: t.name, input: t.input }))];
}

/** The event sequence of a streamed answer: `[event name, data]` pairs. */
function streamEvents(id: string, model: string, a: Answer, usage: ReturnType<typeof promptUsage>): Array<[string, object]> {
  const events: Array<[string, object]> = [];
  events.push(["message_start", { type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }]);
  let index = 0;
  if (a.text) {
    events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }]);
    events.push(["ping", { type: "ping" }]);
    for (const t of a.tokens) if (t.text) events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: t.text } }]);
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  for (const t of a.toolUses) {
    events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "tool_use", id: t.id, name: t.name, input: {} } }]);
    if (index === 0) events.push(["ping", { type: "ping" }]);
    // The real API opens every tool input with an empty piece, then sends the JSON in fragments.
    events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: "" } }]);
    for (let p = 0; p < t.json.length; p += 8) {
      events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: t.json.slice(p, p + 8) } }]);
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
    index++;
  }
  events.push(["message_delta", { type: "message_delta", delta: { stop_reason: a.stopReason, stop_sequence: a.stopSequence }, usage: { output_tokens: a.outputTokens } }]);
  events.push(["message_stop", { type: "message_stop" }]);
  return events;
}

/** Faults answered before any model work; true when the response has been dealt with. */
async function earlyFault(req: IncomingMessage, res: ServerResponse, fault: FaultSpec | undefined): Promise<boolean> {
  if (!fault) return false;
  const retryAfter: Record<string, string> = fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
  switch (fault.kind) {
    case "500":
    case "502":
    case "503":
      sendError(res, Number(fault.kind), "api_error", `simulated ${fault.kind}`, retryAfter);
      return true;
    case "529":
      sendError(res, 529, "overloaded_error", "Overloaded", retryAfter);
      return true;
    case "429":
      sendError(res, 429, "rate_limit_error", "simulated rate limit", { "retry-after": String(fault.retryAfter ?? 1) });
      return true;
    case "reset-before-headers":
      req.socket.destroy();
      return true;
    case "stall":
      if (await stall(res, fault.ms)) sendError(res, 504, "timeout_error", "simulated stall ended");
      return true;
    default:
      return false;
  }
}

export async function handleAnthropicMessages(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, model: SimModelConfig, deps: AnthropicSimDeps): Promise<void> {
  const key = req.headers["x-api-key"];
  if (typeof key !== "string" || !key) return sendError(res, 401, "authentication_error", "x-api-key header is required");
  if (key.startsWith("sk-ant-invalid")) return sendError(res, 401, "authentication_error", `invalid x-api-key: ${key}`);
  if (!req.headers["anthropic-version"]) return sendError(res, 400, "invalid_request_error", "anthropic-version: header is required");
  const { fault } = deps;
  if (await earlyFault(req, res, fault)) return;
  const problem = invalid(body);
  if (problem) return sendError(res, 400, "invalid_request_error", problem);

  const { messages, openaiBody } = behaviourView(body);
  const prompt = messages.map((m) => `${m.role}: ${String(m.content)}`).join("\n");
  const maxTokens = body.max_tokens as number;
  const [choice] = deps.generate({ endpoint: "anthropic", messages, prompt, body: openaiBody, model, maxTokens, topLogprobs: 0 }, 1);
  const id = `msg_sim${hash32(String(req.headers["x-request-id"] ?? "") + prompt).toString(36)}`;
  const forced = typeof req.headers["x-sim-stop-reason"] === "string" ? req.headers["x-sim-stop-reason"] : undefined;
  const a = answer(choice!, body, id, forced);
  const usage = promptUsage(body, deps.promptCache);
  const promptTokens = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
  const tps = model.tokensPerSecond ?? 0;
  const perToken = tps > 0 ? 1000 / tps : 0;
  const headers = { "request-id": `req_sim${hash32(id).toString(36)}` };

  if (body.stream !== true) {
    const wait = (model.ttftMs ?? 0) + (model.latencyMs ?? 0) + perToken * a.outputTokens;
    if (wait > 0) await deps.sleep(wait);
    if (res.destroyed) return;
    const payload = { id, type: "message", role: "assistant", model: model.name, content: contentOf(a), stop_reason: a.stopReason, stop_sequence: a.stopSequence, usage: { ...usage, output_tokens: a.outputTokens } };
    const text = JSON.stringify(payload);
    if (fault?.kind === "malformed") {
      res.writeHead(200, { "content-type": "application/json", ...headers });
      res.end('{"id": "broken", "content": [');
      return;
    }
    if (fault?.kind === "truncate" || fault?.kind === "reset-after-headers") {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), ...headers });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    deps.stats.promptTokens += promptTokens;
    deps.stats.completionTokens += a.outputTokens;
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
    return;
  }

  const events = streamEvents(id, model.name, a, usage);
  if (model.ttftMs) await deps.sleep(model.ttftMs);
  if (res.destroyed) return;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", ...headers });
  if (fault?.kind === "reset-after-headers") {
    res.flushHeaders();
    await deps.sleep(5);
    res.socket?.destroy();
    return;
  }
  const streamError = req.headers["x-sim-stream-error"];
  const half = Math.max(1, Math.floor(events.length / 2));
  const cut = fault?.kind === "truncate" || typeof streamError === "string" ? half : events.length;
  const drip = fault?.kind === "slow-drip" ? (fault.ms ?? 200) : perToken;
  for (let i = 0; i < cut; i++) {
    if (res.destroyed) return;
    const [name, data] = events[i]!;
    res.write(fault?.kind === "malformed" && i === 1 ? `event: ${name}\ndata: {this is not json\n\n` : `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    if (drip > 0 && name === "content_block_delta") await deps.sleep(drip);
  }
  if (typeof streamError === "string") {
    const message = streamError === "overloaded_error" ? "Overloaded" : `simulated ${streamError}`;
    res.end(`event: error\ndata: ${JSON.stringify({ type: "error", error: { type: streamError, message } })}\n\n`);
    return;
  }
  res.end();
  if (fault?.kind === "truncate") return;
  deps.stats.promptTokens += promptTokens;
  deps.stats.completionTokens += a.outputTokens;
}
