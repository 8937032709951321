/**
 * The `octoroute` object a strategy adds to its response: which strategy ran, its budget and
 * whether a limit stopped it, what it reports (calls saved, samples), and — when the client asked
 * for `octoroute.trace` — the candidates, votes/scores and every upstream call with its cost.
 */
import type { Account } from "../telemetry/usage.js";
import type { SelectedStrategy } from "./select.js";
import type { StrategyContext } from "./types.js";
import type { Budget } from "./budget.js";

const finite = (v: number) => (Number.isFinite(v) ? v : null);

export function strategyReport(selected: SelectedStrategy, ctx: StrategyContext & { budget: Budget }, account: Account): Record<string, unknown> | undefined {
  const multi = selected.strategy.name !== "none";
  if (!multi && !selected.trace) return undefined;
  const b = ctx.budget;
  const out: Record<string, unknown> = {
    strategy: selected.strategy.name,
    params: selected.params,
    budget: {
      calls: finite(b.limits.calls),
      tokens: finite(b.limits.tokens),
      usd: finite(b.limits.usd),
      wall_ms: finite(b.limits.wallMs),
      concurrency: b.limits.concurrency,
      calls_used: b.callsTaken,
      stopped: b.stoppedBy !== null,
      stopped_by: b.stoppedBy,
    },
    ...ctx.report,
  };
  if (selected.trace) {
    out.trace = {
      ...ctx.trace,
      calls: account.records.map((r) => ({
        model: r.model,
        purpose: r.purpose,
        status: r.status,
        prompt_tokens: r.inputTokens,
        completion_tokens: r.outputTokens,
        cost_usd: r.costUsd,
        latency_ms: r.latencyMs,
      })),
    };
  }
  return out;
}
