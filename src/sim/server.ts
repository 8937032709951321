/**
 * The simulated upstream: a real HTTP server speaking OpenAI's chat/completions/embeddings/models
 * (and Anthropic Messages), streaming and not, with per-model timing, deterministic output,
 * logprobs and fault injection. Tests start it in-process on port 0; `npm run sim` runs it alone.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BEHAVIOURS, ENDPOINTS } from "./behaviours/index.js";
import { FaultPlanner, parseFaultHeader, stall } from "./faults.js";
import { type ChoiceOut, chatChunks, chatCompletion, completionLogprobs } from "./openai-wire.js";
import { countTokens, hash32, rng, tokenize } from "./random.js";
import type { ChatLikeMessage, FaultSpec, GenInput, GenOutput, SimModelConfig } from "./types.js";
import { handleAnthropicMessages } from "./anthropic-wire.js";
import { listening } from "../node/listen-error.js";
import { handleGeminiEmbed, handleGeminiGenerate, matchGeminiPath } from "./gemini-wire.js";

export interface SimOptions {
  host?: string;
  port?: number;
  models?: SimModelConfig[];
  /** Default model config for names not listed (so any model name works). */
  defaults?: Partial<SimModelConfig>;
}

export interface SimStats {
  requests: number;
  /** Request ids (x-request-id) whose client went away before the response finished. */
  cancelled: string[];
  /** When each cancellation was seen (ms since epoch), by request id. */
  cancelledAt: Record<string, number>;
  /** Request ids seen, in arrival order (bounded). */
  seen: string[];
  /** Tokens served in successful responses. */
  promptTokens: number;
  completionTokens: number;
  /** Requests by model name. */
  byModel: Record<string, number>;
}

export interface SimServer {
  url: string;
  port: number;
  stats: SimStats;
  models: Map<string, SimModelConfig>;
  close(): Promise<void>;
  resetStats(): void;
}

export const DEFAULT_SIM_MODELS: SimModelConfig[] = [
  { name: "sim-small", ttftMs: 20, tokensPerSecond: 400, price: { input: 0.15, output: 0.6 }, skill: 0.55 },
  { name: "sim-large", ttftMs: 60, tokensPerSecond: 150, price: { input: 2.5, output: 10 }, skill: 0.85 },
  { name: "sim-fast", ttftMs: 0, tokensPerSecond: 0, price: { input: 0.05, output: 0.2 } },
  { name: "sim-embed", ttftMs: 5, price: { input: 0.02, output: 0 } },
  // Token-level LM (GSM8K n-gram MoE); `expert_ranks: [2]` in a request = SCMoE's weak activation.
  { name: "sim-moe", behaviour: "ngram-moe", ttftMs: 10, tokensPerSecond: 2000, price: { input: 0.5, output: 1.5 } },
  { name: "sim-lm-tiny", behaviour: "ngram-moe", ttftMs: 5, tokensPerSecond: 4000, price: { input: 0.05, output: 0.1 }, options: { variant: "tiny" } },
];

const freshStats = (): SimStats => ({ requests: 0, cancelled: [], cancelledAt: {}, seen: [], promptTokens: 0, completionTokens: 0, byModel: {} });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(message: string, type = "server_error", code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

/** Text of a message's content (string or parts). */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p === "object" && p && "text" in p ? String((p as { text: unknown }).text) : "")).join("");
  return "";
}

export function flattenMessages(messages: ChatLikeMessage[]): string {
  return messages.map((m) => `${m.role}: ${contentText(m.content)}`).join("\n");
}

export async function startSim(options: SimOptions = {}): Promise<SimServer> {
  const models = new Map<string, SimModelConfig>();
  for (const m of options.models ?? DEFAULT_SIM_MODELS) models.set(m.name, m);
  const faults = new FaultPlanner();
  /** Prompt prefixes written to the simulated Anthropic prompt cache. */
  const promptCache = new Set<string>();
  let stats = freshStats();
  const modelFor = (name: string): SimModelConfig => models.get(name) ?? { ...options.defaults, name };

  const generate = (input: Omit<GenInput, "seed" | "index">, n: number): ChoiceOut[] => {
    const behaviour = BEHAVIOURS.get(input.model.behaviour ?? "chatter") ?? BEHAVIOURS.get("chatter")!;
    const base = hash32(`${input.model.name}|${input.prompt}|${JSON.stringify(input.body.tools ?? "")}`) ^ (Number(input.body.seed ?? 0) >>> 0);
    const greedy = input.body.temperature === 0;
    return Array.from({ length: n }, (_, index) => ({
      index,
      out: behaviour.generate({ ...input, index, seed: greedy ? base : (base + Math.imul(index + 1, 0x9e3779b1)) >>> 0 }),
    }));
  };

  const outputTokens = (choices: ChoiceOut[]) =>
    choices.reduce((s, c) => s + c.out.tokens.length + (c.out.toolCalls ?? []).reduce((a, t) => a + countTokens(t.name) + countTokens(t.arguments), 0), 0);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    const path = url.pathname.replace(/^\/v1/, "");
    const requestId = String(req.headers["x-request-id"] ?? `sim-${stats.requests}`);
    let finished = false;
    res.on("finish", () => (finished = true));
    res.on("close", () => {
      if (!finished) {
        stats.cancelled.push(requestId);
        stats.cancelledAt[requestId] = Date.now();
      }
    });

    if (req.method === "GET" && path === "/models") {
      return sendJson(res, 200, { object: "list", data: [...models.values()].map((m) => ({ id: m.name, object: "model", created: 0, owned_by: "sim" })) });
    }
    if (req.method === "GET" && url.pathname === "/sim/stats") return sendJson(res, 200, stats);
    if (req.method !== "POST") return sendJson(res, 404, errorBody(`no route ${req.method} ${url.pathname}`, "invalid_request_error"));

    const raw = await readBody(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw);
    } catch {
      return sendJson(res, 400, errorBody("body is not valid JSON", "invalid_request_error"));
    }
    stats.requests++;
    if (stats.seen.length < 100_000) stats.seen.push(requestId);

    const extra = ENDPOINTS.find((e) => e.path === path);
    if (extra) {
      const out = extra.handle(body, modelFor(String(body.model ?? ""))) as { usage?: { prompt_tokens?: number; completion_tokens?: number } };
      // Endpoints that report usage count as served tokens, like chat and completions.
      stats.promptTokens += out?.usage?.prompt_tokens ?? 0;
      stats.completionTokens += out?.usage?.completion_tokens ?? 0;
      return sendJson(res, 200, out);
    }

    const gemini = matchGeminiPath(url.pathname);
    const model = modelFor(gemini?.model ?? String(body.model ?? ""));
    stats.byModel[model.name] = (stats.byModel[model.name] ?? 0) + 1;
    const specs: FaultSpec[] = [];
    const headerFault = parseFaultHeader(req.headers["x-sim-fault"] as string | undefined);
    if (headerFault) specs.push(headerFault);
    if (model.faults) specs.push(...model.faults);
    const fault = specs.length ? faults.pick(requestId, specs) : undefined;
    // `x-sim-usage: omit` plays an upstream that reports no usage (some self-hosted servers).
    const omitUsage = req.headers["x-sim-usage"] === "omit";
    const stream = body.stream === true && fault?.kind !== "ignore-stream";

    // The Anthropic and Gemini protocols answer faults themselves, with their own error bodies.
    if (path === "/messages") {
      return handleAnthropicMessages(req, res, body, model, { generate, outputTokens, fault, stats, sleep, promptCache });
    }
    if (gemini?.embed) return handleGeminiEmbed(req, res, body, embed, stats);
    if (gemini) return handleGeminiGenerate(req, res, body, model, gemini.stream, { generate, fault, stats, sleep });

    if (fault) {
      switch (fault.kind) {
        case "500":
        case "502":
        case "503":
        case "529":
          return sendJson(res, Number(fault.kind), errorBody(`simulated ${fault.kind}`), fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {});
        case "429":
          return sendJson(res, 429, errorBody("simulated rate limit", "rate_limit_error", "rate_limit_exceeded"), { "retry-after": String(fault.retryAfter ?? 1) });
        case "reset-before-headers":
          req.socket.destroy();
          return;
        case "stall":
          // Hold the request until the stall ends or the gateway gives up (no timer left behind).
          if (await stall(res, fault.ms)) sendJson(res, 504, errorBody("simulated stall ended"));
          return;
        default:
          break;
      }
    }

    if (path === "/embeddings") return handleEmbeddings(res, body, model, omitUsage);
    const isChat = path === "/chat/completions";
    if (!isChat && path !== "/completions") return sendJson(res, 404, errorBody(`no route POST ${url.pathname}`, "invalid_request_error"));

    const messages = isChat ? ((Array.isArray(body.messages) ? body.messages : []) as ChatLikeMessage[]) : [];
    if (isChat && messages.length === 0) return sendJson(res, 400, errorBody("messages is required", "invalid_request_error"));
    const prompt = isChat ? flattenMessages(messages) : Array.isArray(body.prompt) ? String(body.prompt[0] ?? "") : String(body.prompt ?? "");
    const maxTokens = Number(body.max_completion_tokens ?? body.max_tokens ?? (isChat ? 256 : 16));
    const topLogprobs = isChat ? Number(body.top_logprobs ?? 0) : Number(body.logprobs ?? 0);
    const n = model.supportsN === false ? 1 : Math.max(1, Number(body.n ?? 1));
    const input = { endpoint: isChat ? ("chat" as const) : ("completion" as const), messages, prompt, body, model, maxTokens, topLogprobs };
    const choices = generate(input, n);
    const promptTokens = isChat ? messages.reduce((s, m) => s + countTokens(contentText(m.content)) + 1, 0) : countTokens(prompt);
    const completionTokens = outputTokens(choices);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const id = `${isChat ? "chatcmpl" : "cmpl"}-sim${hash32(requestId + prompt).toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const logprobs = isChat ? body.logprobs === true : body.logprobs !== undefined && body.logprobs !== null;
    const tps = model.tokensPerSecond ?? 0;
    const perToken = tps > 0 ? 1000 / tps : 0;

    if (!stream) {
      const wait = (model.ttftMs ?? 0) + (model.latencyMs ?? 0) + perToken * completionTokens;
      if (wait > 0) await sleep(wait);
      if (res.destroyed) return;
      let payload: object;
      if (isChat) payload = chatCompletion(id, model.name, created, choices, usage, logprobs, topLogprobs);
      else payload = textCompletion(id, model, created, choices, usage, body, prompt, input);
      if (fault?.kind === "malformed") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"id": "broken", "choices": [');
        return;
      }
      if (fault?.kind === "truncate" || fault?.kind === "reset-after-headers") {
        const text = JSON.stringify(payload);
        res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        res.socket?.destroy();
        return;
      }
      stats.promptTokens += promptTokens;
      stats.completionTokens += completionTokens;
      if (omitUsage) delete (payload as { usage?: unknown }).usage;
      return sendJson(res, 200, payload);
    }

    // Streaming.
    const includeUsage = !omitUsage && (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const events: object[] = [];
    if (isChat) for (const c of choices) events.push(...chatChunks(id, model.name, created, c, logprobs, topLogprobs));
    else for (const c of choices) events.push(...completionChunks(id, model.name, created, c, logprobs));
    if (model.ttftMs) await sleep(model.ttftMs);
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    if (fault?.kind === "reset-after-headers") {
      res.flushHeaders();
      await sleep(5);
      res.socket?.destroy();
      return;
    }
    const cut = fault?.kind === "truncate" ? Math.max(1, Math.floor(events.length / 2)) : events.length;
    const drip = fault?.kind === "slow-drip" ? (fault.ms ?? 200) : perToken;
    for (let i = 0; i < cut; i++) {
      if (res.destroyed) return;
      if (fault?.kind === "malformed" && i === 1) {
        res.write("data: {this is not json\n\n");
        continue;
      }
      res.write(`data: ${JSON.stringify(events[i])}\n\n`);
      if (drip > 0 && i > 0 && i < cut - 1) await sleep(drip);
    }
    if (fault?.kind === "truncate") {
      res.end();
      return;
    }
    if (includeUsage) {
      res.write(`data: ${JSON.stringify({ id, object: isChat ? "chat.completion.chunk" : "text_completion", created, model: model.name, choices: [], usage })}\n\n`);
    }
    res.end("data: [DONE]\n\n");
    stats.promptTokens += promptTokens;
    stats.completionTokens += completionTokens;
  }

  function handleEmbeddings(res: ServerResponse, body: Record<string, unknown>, model: SimModelConfig, omitUsage = false): void {
    const inputs = Array.isArray(body.input) ? body.input.map((x) => (Array.isArray(x) || typeof x === "number" ? JSON.stringify(x) : String(x))) : [String(body.input ?? "")];
    const dims = Number(body.dimensions ?? 64);
    const base64 = body.encoding_format === "base64";
    const data = inputs.map((text, index) => {
      const vector = embed(text, dims);
      // base64 = little-endian float32, which is what the official SDKs request by default.
      return { object: "embedding", index, embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector };
    });
    const tokens = inputs.reduce((s, t) => s + countTokens(t), 0);
    stats.promptTokens += tokens;
    sendJson(res, 200, { object: "list", data, model: model.name, ...(omitUsage ? {} : { usage: { prompt_tokens: tokens, total_tokens: tokens } }) });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(`sim error: ${(err as Error).message}`));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? "127.0.0.1";
  server.listen(options.port ?? 0, host);
  await listening(server, "the simulated upstream", `${host}:${options.port ?? 0}`, "another port");
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}/v1`,
    port,
    get stats() {
      return stats;
    },
    models,
    resetStats: () => {
      stats = freshStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function textCompletion(id: string, model: SimModelConfig, created: number, choices: ChoiceOut[], usage: object, body: Record<string, unknown>, prompt: string, input: Omit<GenInput, "seed" | "index">) {
  const echo = body.echo === true;
  const logprobs = body.logprobs !== undefined && body.logprobs !== null;
  const behaviour = BEHAVIOURS.get(model.behaviour ?? "chatter");
  return {
    id,
    object: "text_completion",
    created,
    model: model.name,
    choices: choices.map(({ index, out }) => {
      const text = out.tokens.map((t) => t.text).join("");
      let lp = null;
      if (logprobs) {
        const promptTokens = echo
          ? (behaviour?.scorePrompt?.(prompt, { ...input, seed: 0, index }) ??
            tokenize(prompt).map((t, i) => ({ text: t, logprob: i === 0 ? null : -1, top: [] as Array<{ token: string; logprob: number }> })))
          : [];
        const all = [...promptTokens.map((t, i) => (i === 0 ? { ...t, logprob: null } : t)), ...out.tokens];
        lp = completionLogprobs(all as never, 0);
      }
      return { index, text: echo ? prompt + text : text, logprobs: lp, finish_reason: out.finishReason };
    }),
    usage,
  };
}

function* completionChunks(id: string, model: string, created: number, choice: ChoiceOut, logprobs: boolean): Generator<object> {
  let offset = 0;
  for (const t of choice.out.tokens) {
    yield {
      id,
      object: "text_completion",
      created,
      model,
      choices: [{ index: choice.index, text: t.text, logprobs: logprobs ? completionLogprobs([t], offset) : null, finish_reason: null }],
    };
    offset += t.text.length;
  }
  yield { id, object: "text_completion", created, model, choices: [{ index: choice.index, text: "", logprobs: null, finish_reason: choice.out.finishReason }] };
}

/** Hashed bag-of-words embedding: texts sharing words get similar vectors (useful for kNN routing tests). */
export function embed(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  for (const w of words) {
    const h = hash32(w);
    v[h % dims]! += (h & 0x100) === 0 ? 1 : -1;
  }
  const r = rng(hash32(text));
  if (words.length === 0) for (let i = 0; i < dims; i++) v[i] = r() - 0.5;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

export type { GenOutput };
