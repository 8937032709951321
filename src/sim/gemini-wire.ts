/**
 * Gemini protocol for the sim: `POST /v1beta/models/{model}:generateContent` and
 * `:streamGenerateContent?alt=sse`. Behaviours write the answer (they see the request in OpenAI
 * terms); this file owns Gemini's wire format: `contents`/`parts`, `systemInstruction`,
 * `functionDeclarations` → `functionCall` parts, `finishReason`, `usageMetadata`, Google error
 * bodies `{error:{code,message,status}}`, and SSE events that each carry a whole
 * `GenerateContentResponse` with the next piece of every candidate.
 *
 * Sim-only knobs (request headers): `x-sim-fault` (the shared faults; `529` answers 503
 * UNAVAILABLE, Gemini's overload signal), `x-sim-finish-reason: <REASON>` forces `finishReason`,
 * `x-sim-stream-error: <HTTP code>` sends an `{error}` event halfway through a stream.
 * A key starting with `invalid` gets a 400 API_KEY_INVALID whose message echoes it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChoiceOut } from "./openai-wire.js";
import { countTokens, hash32 } from "./random.js";
import type { ChatLikeMessage, FaultSpec, GenInput, SimModelConfig } from "./types.js";
import { stall } from "./faults.js";

export interface GeminiSimDeps {
  generate(input: Omit<GenInput, "seed" | "index">, n: number): ChoiceOut[];
  fault: FaultSpec | undefined;
  stats: { promptTokens: number; completionTokens: number };
  sleep(ms: number): Promise<unknown>;
}

const PATH = /^\/v1beta\/(models|tunedModels)\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)$/;

/** The model and method of a Gemini path, or null when the path is not one. */
export function matchGeminiPath(pathname: string): { model: string; stream: boolean; embed: boolean } | null {
  const m = PATH.exec(pathname);
  return m ? { model: decodeURIComponent(m[2]!), stream: m[3] === "streamGenerateContent", embed: m[3] === "batchEmbedContents" } : null;
}

/**
 * `:batchEmbedContents`: one deterministic vector per request (the sim's OpenAI embeddings), sized
 * by `outputDimensionality`. Like the real API, no token usage in the answer.
 */
export function handleGeminiEmbed(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, embed: (text: string, dims: number) => number[], stats: GeminiSimDeps["stats"]): void {
  const key = (req.headers["x-goog-api-key"] as string | undefined) ?? "";
  if (!key) return sendError(res, 403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  const requests = Array.isArray(body.requests) ? (body.requests as Array<Record<string, unknown>>) : [];
  if (!requests.length) return sendError(res, 400, "* BatchEmbedContentsRequest.requests: at least one request is required");
  const embeddings = requests.map((r) => {
    const parts = isRecord(r.content) && Array.isArray(r.content.parts) ? (r.content.parts as Part[]) : [];
    const text = parts.map((p) => String(p.text ?? "")).join("");
    stats.promptTokens += countTokens(text);
    return { values: embed(text, Number(r.outputDimensionality ?? 64)) };
  });
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ embeddings }));
}

type Part = Record<string, unknown> & { text?: unknown; functionCall?: { name?: unknown; args?: unknown }; functionResponse?: { name?: unknown; response?: unknown } };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const STATUS_NAMES: Record<number, string> = { 400: "INVALID_ARGUMENT", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "INTERNAL", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED" };

function sendError(res: ServerResponse, code: number, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ error: { code, message, status: STATUS_NAMES[code] ?? "UNKNOWN" } });
  res.writeHead(code, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function partsOf(c: unknown): Part[] {
  return isRecord(c) && Array.isArray(c.parts) ? (c.parts.filter(isRecord) as Part[]) : [];
}

function partText(p: Part): string {
  if (typeof p.text === "string") return p.text;
  if (p.functionCall) return JSON.stringify(p.functionCall.args ?? {});
  if (p.functionResponse) return JSON.stringify(p.functionResponse.response ?? {});
  return "";
}

const partTokens = (p: Part) => (p.inlineData || p.fileData ? 258 : countTokens(partText(p)));

function invalid(body: Record<string, unknown>): string | null {
  const contents = body.contents;
  if (!Array.isArray(contents) || contents.length === 0) return "* GenerateContentRequest.contents: contents is not specified";
  for (const [i, c] of contents.entries()) {
    if (!isRecord(c) || (c.role !== undefined && c.role !== "user" && c.role !== "model")) return `Please use a valid role: user, model. (contents[${i}])`;
    if (partsOf(c).length === 0) return `* GenerateContentRequest.contents[${i}].parts: contents.parts must not be empty.`;
  }
  const declared = new Set<string>();
  for (const t of Array.isArray(body.tools) ? body.tools : []) for (const f of (isRecord(t) && Array.isArray(t.functionDeclarations) ? t.functionDeclarations : []) as Array<{ name?: unknown }>) declared.add(String(f.name));
  for (const [i, c] of contents.entries()) {
    for (const p of partsOf(c)) {
      if (p.functionCall && !declared.has(String(p.functionCall.name))) return `* GenerateContentRequest.contents[${i}]: function call ${String(p.functionCall.name)} is not declared in tools`;
    }
  }
  return null;
}

/** The request as behaviours understand it (OpenAI chat terms). */
function behaviourView(body: Record<string, unknown>) {
  const messages: ChatLikeMessage[] = [];
  const system = partsOf(body.systemInstruction).map(partText).join("\n");
  if (system) messages.push({ role: "system", content: system });
  for (const c of body.contents as Array<{ role?: string }>) {
    const parts = partsOf(c);
    const onlyResponses = parts.every((p) => p.functionResponse);
    messages.push({ role: c.role === "model" ? "assistant" : onlyResponses ? "tool" : "user", content: parts.map(partText).join("") });
  }
  const decls = (Array.isArray(body.tools) ? body.tools : []).flatMap((t) => (isRecord(t) && Array.isArray(t.functionDeclarations) ? t.functionDeclarations : [])) as Array<Record<string, unknown>>;
  const tools = decls.length ? decls.map((d) => ({ type: "function", function: { name: d.name, description: d.description, parameters: d.parametersJsonSchema ?? d.parameters } })) : undefined;
  const fcc = isRecord(body.toolConfig) && isRecord(body.toolConfig.functionCallingConfig) ? body.toolConfig.functionCallingConfig : undefined;
  const allowed = Array.isArray(fcc?.allowedFunctionNames) ? fcc.allowedFunctionNames : [];
  const toolChoice = fcc?.mode === "NONE" ? "none" : fcc?.mode === "ANY" ? (allowed.length === 1 ? { type: "function", function: { name: allowed[0] } } : "required") : "auto";
  const g = isRecord(body.generationConfig) ? body.generationConfig : {};
  // A response schema (JSON Schema, or Google's OpenAPI subset) is answered like OpenAI's json_schema.
  const schema = isRecord(g.responseJsonSchema) ? g.responseJsonSchema : isRecord(g.responseSchema) ? g.responseSchema : undefined;
  const json = g.responseMimeType === "application/json";
  const responseFormat = json && schema ? { type: "json_schema", json_schema: { name: "response", schema } } : json ? { type: "json_object" } : undefined;
  return { messages, g, openaiBody: { tools, tool_choice: toolChoice, temperature: g.temperature, seed: g.seed, response_format: responseFormat } };
}

const FINISH: Record<string, string> = { stop: "STOP", length: "MAX_TOKENS", tool_calls: "STOP", content_filter: "SAFETY" };

interface CandidateOut {
  index: number;
  texts: string[];
  calls: Array<{ name: string; args: unknown }>;
  finishReason: string;
  tokens: number;
}

function candidateOf(c: ChoiceOut, stops: unknown, forced: string | undefined): CandidateOut {
  let texts = c.out.tokens.map((t) => t.text);
  // Stop sequences end the text before the sequence, reported as STOP.
  if (Array.isArray(stops)) {
    const full = texts.join("");
    const at = Math.min(...stops.filter((s): s is string => typeof s === "string" && s.length > 0).map((s) => full.indexOf(s)).filter((i) => i >= 0), Infinity);
    if (Number.isFinite(at)) {
      const kept: string[] = [];
      let pos = 0;
      for (const t of texts) {
        if (pos >= at) break;
        kept.push(pos + t.length <= at ? t : t.slice(0, at - pos));
        pos += t.length;
      }
      texts = kept;
    }
  }
  const calls = (c.out.toolCalls ?? []).map((tc) => ({ name: tc.name, args: JSON.parse(tc.arguments) as unknown }));
  const tokens = texts.length + (c.out.toolCalls ?? []).reduce((s, t) => s + countTokens(t.name) + countTokens(t.arguments), 0);
  return { index: c.index, texts, calls, finishReason: forced ?? FINISH[c.out.finishReason] ?? "STOP", tokens };
}

const partsFor = (c: CandidateOut, texts: string[]) => [...(texts.join("") ? [{ text: texts.join("") }] : []), ...c.calls.map((f) => ({ functionCall: f }))];

export async function handleGeminiGenerate(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, model: SimModelConfig, stream: boolean, deps: GeminiSimDeps): Promise<void> {
  const key = (req.headers["x-goog-api-key"] as string | undefined) ?? new URL(req.url ?? "/", "http://sim").searchParams.get("key") ?? "";
  if (!key) return sendError(res, 403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  if (key.startsWith("invalid")) return sendError(res, 400, `API key not valid: ${key}. Please pass a valid API key.`);
  const { fault } = deps;
  if (fault) {
    switch (fault.kind) {
      case "500":
      case "502":
      case "503":
      case "529": {
        const code = fault.kind === "529" ? 503 : Number(fault.kind);
        return sendError(res, code, code === 503 ? "The model is overloaded. Please try again later." : `simulated ${fault.kind}`, fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {});
      }
      case "429":
        return sendError(res, 429, "Resource has been exhausted (e.g. check quota).", { "retry-after": String(fault.retryAfter ?? 1) });
      case "reset-before-headers":
        req.socket.destroy();
        return;
      case "stall":
        if (await stall(res, fault.ms)) sendError(res, 504, "simulated stall ended");
        return;
      default:
        break;
    }
  }
  const problem = invalid(body);
  if (problem) return sendError(res, 400, problem);

  const { messages, g, openaiBody } = behaviourView(body);
  const prompt = messages.map((m) => `${m.role}: ${String(m.content)}`).join("\n");
  const n = Math.max(1, Number(g.candidateCount ?? 1));
  const maxTokens = Number(g.maxOutputTokens ?? 8192);
  const forced = typeof req.headers["x-sim-finish-reason"] === "string" ? req.headers["x-sim-finish-reason"] : undefined;
  const candidates = deps.generate({ endpoint: "chat", messages, prompt, body: openaiBody, model, maxTokens, topLogprobs: 0 }, n).map((c) => candidateOf(c, g.stopSequences, forced));
  const promptTokens =
    partsOf(body.systemInstruction).reduce((s, p) => s + partTokens(p), 0) + (body.contents as unknown[]).reduce((s: number, c) => s + partsOf(c).reduce((a, p) => a + partTokens(p), 0) + 1, 0);
  const outTokens = candidates.reduce((s, c) => s + c.tokens, 0);
  const usage = (out: number) => ({ promptTokenCount: promptTokens, candidatesTokenCount: out, totalTokenCount: promptTokens + out });
  const responseId = `sim${hash32(String(req.headers["x-request-id"] ?? "") + prompt).toString(36)}`;
  const base = { modelVersion: model.name, responseId };
  const tps = model.tokensPerSecond ?? 0;
  const perToken = tps > 0 ? 1000 / tps : 0;

  if (!stream) {
    const wait = (model.ttftMs ?? 0) + (model.latencyMs ?? 0) + perToken * outTokens;
    if (wait > 0) await deps.sleep(wait);
    if (res.destroyed) return;
    const payload = { candidates: candidates.map((c) => ({ content: { role: "model", parts: partsFor(c, c.texts) }, finishReason: c.finishReason, index: c.index })), usageMetadata: usage(outTokens), ...base };
    const text = JSON.stringify(payload);
    if (fault?.kind === "malformed") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"candidates": [');
      return;
    }
    if (fault?.kind === "truncate" || fault?.kind === "reset-after-headers") {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      res.socket?.destroy();
      return;
    }
    deps.stats.promptTokens += promptTokens;
    deps.stats.completionTokens += outTokens;
    res.writeHead(200, { "content-type": "application/json; charset=UTF-8", "content-length": Buffer.byteLength(text) });
    res.end(text);
    return;
  }

  // Streaming: a few tokens per event per candidate; calls arrive whole; the last event of each
  // candidate carries its finishReason; every event carries the usage so far.
  const events: object[] = [];
  let sent = 0;
  for (const c of candidates) {
    for (let i = 0; i < c.texts.length; i += 3) {
      const piece = c.texts.slice(i, i + 3);
      sent += piece.length;
      events.push({ candidates: [{ content: { role: "model", parts: [{ text: piece.join("") }] }, index: c.index }], usageMetadata: usage(sent), ...base });
    }
    sent += c.tokens - c.texts.length;
    events.push({ candidates: [{ content: { role: "model", parts: c.calls.length ? partsFor(c, []) : [{ text: "" }] }, finishReason: c.finishReason, index: c.index }], usageMetadata: usage(sent), ...base });
  }
  if (model.ttftMs) await deps.sleep(model.ttftMs);
  if (res.destroyed) return;
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  if (fault?.kind === "reset-after-headers") {
    res.flushHeaders();
    await deps.sleep(5);
    res.socket?.destroy();
    return;
  }
  const streamError = Number(req.headers["x-sim-stream-error"] ?? 0);
  const cut = fault?.kind === "truncate" || streamError ? Math.max(1, Math.floor(events.length / 2)) : events.length;
  const drip = fault?.kind === "slow-drip" ? (fault.ms ?? 200) : perToken;
  for (let i = 0; i < cut; i++) {
    if (res.destroyed) return;
    res.write(fault?.kind === "malformed" && i === 1 ? "data: {this is not json\r\n\r\n" : `data: ${JSON.stringify(events[i])}\r\n\r\n`);
    if (drip > 0 && i < cut - 1) await deps.sleep(drip);
  }
  if (streamError) {
    const message = streamError === 503 ? "The model is overloaded. Please try again later." : `simulated ${streamError}`;
    res.end(`data: ${JSON.stringify({ error: { code: streamError, message, status: STATUS_NAMES[streamError] ?? "UNKNOWN" } })}\r\n\r\n`);
    return;
  }
  res.end();
  if (fault?.kind === "truncate") return;
  deps.stats.promptTokens += promptTokens;
  deps.stats.completionTokens += outTokens;
}
