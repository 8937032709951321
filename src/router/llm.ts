/**
 * `llm` router (Octopus v4 style): a small model reads the request and the route's node list and
 * answers with a functional token naming a node, `<nexa_2>('rewritten query')<nexa_end>`. When the
 * upstream returns logprobs, the first token's top logprobs over the candidate tokens give the
 * scores (and the choice); otherwise the text is parsed with a strict pattern. Anything
 * unparseable — or a failed router call — falls back to the route's default node. The call is
 * metered with `purpose: "router"`.
 */
import { isAbortError } from "../api/errors.js";
import type { ChatRequest } from "../api/schemas.js";
import type { RouterConfig } from "../config/routes.js";
import type { RouteDecision, Router, RouterContext } from "./types.js";

type LlmConfig = Extract<RouterConfig, { type: "llm" }>;

const TOKEN = /^\s*<nexa_(\d{1,2})>(?:\s*\(\s*(["'])([\s\S]*?)\2\s*\))?\s*(?:<nexa_end>)?\s*$/;

/** Parses a functional-token answer: the candidate index and the optional rewritten query. */
export function parseFunctionalToken(text: string, count: number): { index: number; query?: string } | undefined {
  const m = TOKEN.exec(text);
  if (!m) return undefined;
  const index = Number(m[1]);
  if (!Number.isInteger(index) || index < 0 || index >= count) return undefined;
  return { index, query: m[3]?.trim() || undefined };
}

/** The router prompt: one line per candidate (`<nexa_i> name: description`) and the answer format. */
export function routerPrompt(candidates: string[], describe: (node: string) => string): string {
  const lines = candidates.map((c, i) => `<nexa_${i}> ${c}: ${describe(c)}`);
  return [
    "You route a user's request to the one worker model best suited to answer it.",
    "Workers:",
    ...lines,
    "Reply with exactly one functional token naming the worker, followed by the request rewritten as a standalone query, then <nexa_end>.",
    "Format: <nexa_N>('rewritten query')<nexa_end>",
  ].join("\n");
}

export function llmRouter(config: LlmConfig): Router {
  return {
    type: "llm",
    async decide(ctx: RouterContext): Promise<RouteDecision> {
      if (!ctx.models) return { node: ctx.fallback, reason: "llm: no model client for routing, default node" };
      const candidates = ctx.candidates;
      const describe = (node: string) => config.descriptions?.[node] ?? ((ctx.runtime.config.models[node]?.tags ?? []).join(", ") || "general");
      const client = ctx.models(config.model);
      const useLogprobs = client.capabilities.logprobs;
      const last = [...ctx.request.messages].reverse().find((m) => m.role === "user");
      const routed: ChatRequest = {
        model: config.model,
        messages: [
          { role: "system", content: routerPrompt(candidates, describe) },
          { role: "user", content: ctx.features.text.slice(-4000) },
        ],
        temperature: 0,
        max_tokens: config.maxTokens,
        ...(useLogprobs ? { logprobs: true, top_logprobs: Math.min(20, client.capabilities.maxTopLogprobs) } : {}),
      };
      let text = "";
      let top: Array<{ token: string; logprob: number }> = [];
      try {
        const res = await client.chat(routed, { purpose: "router" });
        const choice = res.choices[0];
        text = typeof choice?.message?.content === "string" ? choice.message.content : "";
        const lp = (choice as { logprobs?: { content?: Array<{ top_logprobs?: Array<{ token: string; logprob: number }> }> } } | undefined)?.logprobs;
        top = lp?.content?.[0]?.top_logprobs ?? [];
      } catch (err) {
        if (isAbortError(err)) throw err;
        return { node: ctx.fallback, reason: `llm: router model failed (${(err as { code?: string }).code ?? "error"}), default node` };
      }
      const scores: Record<string, number> = {};
      for (const t of top) {
        const m = /^\s*<nexa_(\d{1,2})>\s*$/.exec(t.token);
        const i = m ? Number(m[1]) : -1;
        if (i >= 0 && i < candidates.length) scores[candidates[i]!] = Math.round(Math.exp(t.logprob) * 1e4) / 1e4;
      }
      const parsed = parseFunctionalToken(text, candidates.length);
      if (!parsed) return { node: ctx.fallback, reason: "llm: unparseable router output, default node", scores };
      let index = parsed.index;
      // The top logprobs, when present, decide among the candidates (the emitted token is their argmax at T=0).
      const best = Object.entries(scores).sort((a, b) => b[1] - a[1])[0];
      if (best) index = candidates.indexOf(best[0]);
      const node = candidates[index]!;
      if (config.rewrite && parsed.query && last) {
        // Octopus v4: the worker gets the router's reformatted query in place of the last user message.
        last.content = parsed.query;
      }
      return { node, reason: `llm: ${config.model} chose <nexa_${index}> ${node}${config.rewrite && parsed.query ? " (query rewritten)" : ""}`, scores };
    },
  };
}
