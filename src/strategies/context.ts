/**
 * Builds the StrategyContext for one request: the budget (tenant policy ∩ request ask), the
 * fan-out limiter, and `guard`, which runs each upstream call under both and turns a budget stop
 * into "no result" so a strategy can finish with what it already has.
 */
import type { ModelClient } from "../models/model-client.js";
import type { Account } from "../telemetry/usage.js";
import { Budget, type BudgetLimits } from "./budget.js";
import { Limiter } from "./limiter.js";
import type { StrategyContext, StrategyEnv, StrategyEvent } from "./types.js";
import type { Abortable } from "../api/request-signal.js";

export interface ContextOptions {
  client: ModelClient;
  params: Record<string, unknown>;
  account: Account;
  /** The request's signal (client left). */
  signal: Abortable;
  limits: BudgetLimits;
  /** The most calls the strategy may make (see Budget). */
  maxCalls?: number;
  env: StrategyEnv;
  trace: boolean;
  emit(event: StrategyEvent): void;
}

export function createStrategyContext(opts: ContextOptions): StrategyContext & { budget: Budget } {
  const budget = new Budget(opts.limits, opts.account, opts.signal, opts.maxCalls);
  const limiter = new Limiter(opts.limits.concurrency);
  return {
    client: opts.client,
    params: opts.params,
    signal: budget.signal,
    emit: opts.emit,
    budget,
    env: opts.env,
    trace: opts.trace ? {} : undefined,
    report: {},
    guard<T>(call: (signal: Abortable) => Promise<T>): Promise<T | null> {
      return limiter.run(async () => {
        if (opts.signal.aborted) throw opts.signal.reason ?? new DOMException("cancelled", "AbortError");
        if (!budget.take(1)) return null;
        try {
          return await call(budget.signal);
        } catch (err) {
          // Cancelled because the budget ran out: not a failure, the strategy stops with what it has.
          if (budget.spent && !opts.signal.aborted) return null;
          throw err;
        }
      });
    },
  };
}

/** `ctx.guard`, or a plain call when the context has no budget (direct use of a strategy). */
export function guarded<T>(ctx: StrategyContext, call: (signal: Abortable) => Promise<T>): Promise<T | null> {
  return ctx.guard ? ctx.guard(call) : call(ctx.signal);
}
