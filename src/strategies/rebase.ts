/**
 * `rebase` (reward-balanced search, Wu et al.): a tree search of fixed width W. At each depth the
 * finished nodes (answer marker, or the depth cap) each use one unit of width; the remaining
 * width is split over the live nodes by softmax(score/T) in greedy `ceil` shares from the best
 * node, and each node is expanded by that many one-step samples, scored by the PRM. Exactly W
 * finished solutions result; the answer is their weighted majority vote (weight = aggregated step
 * score) or the best one.
 */
import type { ChatRequest } from "../api/schemas.js";
import { enumParam, intParam, numParam, rejectUnknown } from "./params.js";
import { searchVerifier } from "./particle-filter.js";
import { answerCompletion, emptyAnswer } from "./result.js";
import { continueFrom, questionOf, requireContinuation } from "./sampling.js";
import { type Aggregation, aggregate, allocateWidth } from "./search-math.js";
import { isFinalStep, splitSteps, STEP_DELIMITER } from "./steps.js";
import type { Strategy, StrategyContext } from "./types.js";
import { createVerifier, requireVerifier } from "./verifiers/resolve.js";
import { vote } from "./voting.js";

const KNOWN = ["width", "w", "temperature", "sample_temperature", "max_depth", "max_step_tokens", "aggregation", "final", "verifier"];

interface Params {
  width: number;
  temperature: number;
  sample_temperature: number;
  max_depth: number;
  max_step_tokens: number;
  aggregation: Aggregation | "verifier";
  final: "vote" | "best";
  verifier: string;
}

interface TreeNode {
  text: string;
  score: number;
}

export const rebase: Strategy = {
  name: "rebase",
  parseParams(params, client, env) {
    rejectUnknown(params, KNOWN, "rebase");
    requireContinuation("rebase", client);
    const verifier = searchVerifier("rebase", params, client, env);
    const width = params.width !== undefined ? intParam(params, "width", 16, 1, 64) : intParam(params, "w", 16, 1, 64);
    return {
      width,
      temperature: numParam(params, "temperature", 0.2, 0.001, 100),
      sample_temperature: numParam(params, "sample_temperature", 1, 0, 2),
      max_depth: intParam(params, "max_depth", 25, 1, 64),
      max_step_tokens: intParam(params, "max_step_tokens", 256, 1, 4096),
      aggregation: enumParam(params, "aggregation", "verifier", ["verifier", "last", "min", "prod", "mean"] as const),
      final: enumParam(params, "final", "vote", ["vote", "best"] as const),
      verifier: verifier.name,
    } satisfies Params;
  },
  maxCalls: (p) => Number(p.width) * Number(p.max_depth) * 2,
  async run(request: ChatRequest, ctx: StrategyContext) {
    const p = ctx.params as unknown as Params;
    const verifier = createVerifier(requireVerifier("rebase", ctx.env, ctx.client, p.verifier), ctx);
    const how = p.aggregation === "verifier" ? verifier.aggregation : p.aggregation;
    const question = questionOf(request);
    let live: TreeNode[] = [{ text: "", score: 0 }];
    let allocation = [p.width];
    const finished: TreeNode[] = [];
    const depths: unknown[] = [];
    for (let depth = 0; depth < p.max_depth; depth++) {
      ctx.emit({ type: "progress", message: `depth ${depth + 1}: expanding ${allocation.filter((k) => k > 0).length} nodes, ${finished.length}/${p.width} finished` });
      const expansions = await Promise.all(
        live.map((node, i) =>
          allocation[i]! > 0
            ? continueFrom(ctx, request, node.text, allocation[i]!, { stop: [STEP_DELIMITER], maxTokens: p.max_step_tokens, temperature: p.sample_temperature }).then((cs) => cs.map((c) => ({ parent: node, c })))
            : Promise.resolve([]),
        ),
      );
      const children = expansions.flat().map(({ parent, c }) => ({ text: parent.text + c.text, piece: c.text }));
      const scores = await verifier.score(question, children.map((ch) => splitSteps(ch.text)));
      const next: TreeNode[] = [];
      children.forEach((ch, k) => {
        const s = scores[k];
        const node = { text: ch.text, score: s ? aggregate(s, how) : 0 };
        if (isFinalStep(ch.piece) || ch.piece.trim() === "" || depth === p.max_depth - 1) finished.push(node);
        else next.push({ ...node, text: node.text + STEP_DELIMITER });
      });
      const remaining = p.width - finished.length;
      live = next;
      allocation = remaining > 0 && live.length ? allocateWidth(live.map((n) => n.score), remaining, p.temperature) : [];
      depths.push({ depth: depth + 1, children: children.length, finished: finished.length, live: live.map((n) => Number(n.score.toFixed(4))), allocation });
      if (ctx.budget?.spent || remaining <= 0 || live.length === 0) break;
    }
    // Stopped early (budget): live nodes count as candidates too.
    const pool = finished.length ? finished : live;
    if (pool.length === 0) return emptyAnswer(ctx);
    const texts = pool.map((n) => n.text.trim());
    let chosen = 0;
    if (p.final === "vote") chosen = vote(texts, pool.map((n) => n.score)).winner;
    else pool.forEach((n, i) => (n.score > pool[chosen]!.score ? (chosen = i) : 0));
    if (ctx.trace) {
      ctx.trace.verifier = verifier.name;
      ctx.trace.depths = depths;
      ctx.trace.candidates = pool.map((n, i) => ({ index: i, text: n.text.trim(), score: n.score }));
      ctx.trace.chosen = chosen;
    }
    if (ctx.report) ctx.report.finished = finished.length;
    return answerCompletion(ctx, texts[chosen]!);
  },
};
