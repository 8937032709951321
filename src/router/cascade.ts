/**
 * `cascade` router (FrugalGPT / AutoMix): a post-generation router. It answers with the first
 * candidate, judges the answer — the exponent of its mean token logprob, or a configured judge
 * model's P("Yes") — and escalates along the nodes' `escalate` edges while the confidence is
 * below the threshold. Every attempt and judge call is a metered call in the request's usage
 * (attempts `purpose: "answer"`, judges `purpose: "judge"`).
 *
 * `stream: true`: each attempt is generated whole and judged before anything is sent — a client
 * cannot un-see a streamed answer — so the accepted cheap answer is sent as chunks after
 * judging; the *last* step (nothing left to escalate to) is streamed live from the upstream.
 */
import { isAbortError } from "../api/errors.js";
import { completionToChunks } from "../api/chunks.js";
import type { ChatRequest } from "../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk } from "../api/types.js";
import type { RouterConfig } from "../config/routes.js";
import type { ModelClient } from "../models/model-client.js";
import type { Strategy, StrategyContext } from "../strategies/types.js";
import type { RouteDecision, Router, RouterContext } from "./types.js";

type CascadeConfig = Extract<RouterConfig, { type: "cascade" }>;

/** exp(mean token logprob) of an answer's first choice, or undefined without logprobs. */
export function logprobConfidence(completion: ChatCompletion): number | undefined {
  const lp = completion.choices[0]?.logprobs?.content;
  if (!lp || !lp.length) return undefined;
  return Math.exp(lp.reduce((s, t) => s + t.logprob, 0) / lp.length);
}

const JUDGE_PROMPT =
  "You check answers. Given a request and an answer, reply with one word: Yes if the answer is correct, complete and helpful, No otherwise.";

/** P("Yes") from a judge model: top logprobs of its first token when available, else its text. */
async function judgeConfidence(judge: ModelClient, request: ChatRequest, answer: string): Promise<number> {
  const question = request.messages.map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "")}`).join("\n");
  const withLogprobs = judge.capabilities.logprobs;
  const res = await judge.chat(
    {
      model: judge.node.name,
      messages: [
        { role: "system", content: JUDGE_PROMPT },
        { role: "user", content: `Request:\n${question.slice(-6000)}\n\nAnswer:\n${answer.slice(0, 6000)}\n\nIs the answer correct? Yes or No.` },
      ],
      temperature: 0,
      max_tokens: 2,
      ...(withLogprobs ? { logprobs: true, top_logprobs: Math.min(10, judge.capabilities.maxTopLogprobs) } : {}),
    },
    { purpose: "judge" },
  );
  const choice = res.choices[0];
  const top = choice?.logprobs?.content?.[0]?.top_logprobs ?? [];
  let yes = 0;
  let no = 0;
  for (const t of top) {
    const w = t.token.trim().toLowerCase();
    if (w === "yes") yes += Math.exp(t.logprob);
    else if (w === "no") no += Math.exp(t.logprob);
  }
  if (yes + no > 0) return yes / (yes + no);
  return /^\s*yes/i.test(String(choice?.message?.content ?? "")) ? 1 : 0;
}

/** The escalation path: the first node, then `escalate` edges (no cycles), at most `maxSteps`. */
export function escalationPath(first: string, edges: (node: string) => string | undefined, maxSteps: number): string[] {
  const path = [first];
  while (path.length < maxSteps) {
    const next = edges(path[path.length - 1]!);
    if (!next || path.includes(next)) break;
    path.push(next);
  }
  return path;
}

function cascadeRunner(path: string[], threshold: number, judge: string | undefined, explain: (steps: string[]) => void): Strategy {
  /** Runs the judged steps; returns the accepted completion, or the index of the step left to run. */
  async function judged(request: ChatRequest, ctx: StrategyContext, lastLive: boolean): Promise<{ completion?: ChatCompletion; node?: string; from: number; steps: string[] }> {
    const steps: string[] = [];
    const wantsLogprobs = request.logprobs === true;
    const judgedSteps = lastLive ? path.length - 1 : path.length;
    for (let i = 0; i < judgedSteps; i++) {
      const node = path[i]!;
      const client = ctx.client.forNode(node);
      const last = i === path.length - 1;
      const askLogprobs = !judge && client.capabilities.logprobs;
      const completion = await client.chat({ ...request, model: node, stream: false, stream_options: undefined, ...(askLogprobs ? { logprobs: true } : {}) }, { signal: ctx.signal });
      if (last) {
        steps.push(`${node} (last step)`);
        return { completion: strip(completion, wantsLogprobs), node, from: path.length, steps };
      }
      let confidence: number | undefined;
      try {
        const text = String(completion.choices[0]?.message?.content ?? "");
        confidence = judge ? await judgeConfidence(ctx.client.forNode(judge), request, text) : logprobConfidence(completion);
      } catch (err) {
        if (ctx.signal.aborted || isAbortError(err)) throw err;
        confidence = undefined;
      }
      const ok = confidence !== undefined && confidence >= threshold;
      steps.push(`${node} confidence ${confidence === undefined ? "unknown" : confidence.toFixed(3)} ${ok ? ">=" : "<"} ${threshold}`);
      ctx.emit({ type: "progress", message: `cascade: ${steps[steps.length - 1]}${ok ? "" : ", escalating"}` });
      if (ok) return { completion: strip(completion, wantsLogprobs), node, from: path.length, steps };
    }
    return { from: path.length - 1, steps };
  }

  return {
    name: "cascade",
    parseParams: () => ({}),
    maxCalls: () => path.length * (judge ? 2 : 1),
    async run(request, ctx) {
      const r = await judged(request, ctx, false);
      explain(r.steps);
      return r.completion!;
    },
    async stream(request, ctx) {
      const r = await judged(request, ctx, true);
      if (r.completion) {
        explain(r.steps);
        const chunks = completionToChunks(r.completion);
        return Object.assign(
          (async function* () {
            yield* chunks;
          })(),
          { model: { name: r.node! } },
        ) as AsyncIterable<ChatCompletionChunk>;
      }
      const node = path[r.from]!;
      r.steps.push(`${node} (last step, streamed)`);
      explain(r.steps);
      return ctx.client.forNode(node).chatStream({ ...request, model: node }, { signal: ctx.signal });
    },
  };
}

function strip(completion: ChatCompletion, keepLogprobs: boolean): ChatCompletion {
  if (keepLogprobs) return completion;
  return { ...completion, choices: completion.choices.map((c) => ({ ...c, logprobs: null })) };
}

export function cascadeRouter(config: CascadeConfig): Router {
  return {
    type: "cascade",
    decide(ctx: RouterContext): RouteDecision {
      const threshold = ctx.quality ?? config.threshold;
      const first = ctx.candidates[0]!;
      const path = escalationPath(first, (n) => ctx.runtime.config.models[n]?.escalate, config.maxSteps);
      let plan: { reason: string } | undefined;
      return {
        node: first,
        reason: `cascade: ${path.join(" -> ")} at confidence ${threshold}`,
        threshold,
        maxCalls: path.length * (config.judge ? 2 : 1),
        runner: cascadeRunner(path, threshold, config.judge, (steps) => {
          if (plan) plan.reason = `cascade: ${steps.join("; ")}`;
        }),
        bind: (p) => (plan = p),
      };
    },
  };
}
