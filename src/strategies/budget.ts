/**
 * The per-request strategy budget: upstream calls, tokens, USD and wall time. Calls are taken
 * before they are made (a refused call never reaches the upstream); tokens and dollars are checked
 * as each usage record lands, and wall time by a timer. When any runs out the budget aborts its
 * signal, which cancels every call in flight; the strategy then answers with what it has and the
 * response says which limit stopped it.
 */
import type { TenantStrategyPolicy } from "../config/strategies.js";
import type { Account } from "../telemetry/usage.js";
import type { Abortable } from "../api/request-signal.js";

export interface BudgetLimits {
  calls: number;
  tokens: number;
  /** USD; Infinity = uncapped. */
  usd: number;
  wallMs: number;
  concurrency: number;
}

export type BudgetLimit = "calls" | "tokens" | "usd" | "time";

/** Defaults when neither tenant policy nor request says otherwise. */
export const DEFAULT_BUDGET: BudgetLimits = { calls: 1024, tokens: 2_000_000, usd: Number.POSITIVE_INFINITY, wallMs: Number.POSITIVE_INFINITY, concurrency: 16 };

/** The effective limits: the request's ask, capped by the tenant's policy, over the defaults. */
export function effectiveLimits(requested: Partial<BudgetLimits>, policy: TenantStrategyPolicy | undefined): BudgetLimits {
  const pick = (ask: number | undefined, cap: number | undefined, def: number) => Math.min(ask ?? def, cap ?? Number.POSITIVE_INFINITY);
  return {
    calls: pick(requested.calls, policy?.maxCalls, DEFAULT_BUDGET.calls),
    tokens: pick(requested.tokens, policy?.maxTokens, DEFAULT_BUDGET.tokens),
    usd: pick(requested.usd, policy?.maxUsd, DEFAULT_BUDGET.usd),
    wallMs: pick(requested.wallMs, policy?.maxWallMs, DEFAULT_BUDGET.wallMs),
    concurrency: pick(requested.concurrency, policy?.maxConcurrency, DEFAULT_BUDGET.concurrency),
  };
}

export class Budget {
  /** Only when something in flight may have to be cancelled (see the constructor). */
  private readonly controller: AbortController | undefined;
  /** Aborts when the client leaves or the budget is spent. */
  readonly signal: Abortable;
  /** Which limit stopped the strategy, if any. */
  stoppedBy: BudgetLimit | null = null;
  /** Calls taken so far. */
  callsTaken = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `maxCalls`: the most calls the strategy may make. A budget cancels calls in flight when the
   * wall time runs out, or when one call's usage spends it while others still run; a request of
   * one call with no wall-time limit can do neither (its usage lands when it is over), so it
   * follows the request's signal itself and skips a controller and a listener per request.
   */
  constructor(
    readonly limits: BudgetLimits,
    private readonly account: Account,
    parent: Abortable,
    maxCalls = Number.POSITIVE_INFINITY,
  ) {
    if (maxCalls <= 1 && !Number.isFinite(limits.wallMs)) {
      this.signal = parent;
    } else {
      // Follows the request's signal with one listener (cheaper than AbortSignal.any on every request).
      const controller = (this.controller = new AbortController());
      this.signal = controller.signal;
      if (parent.aborted) controller.abort(parent.reason);
      else parent.addEventListener("abort", () => controller.abort(parent.reason), { once: true });
    }
    if (Number.isFinite(limits.wallMs)) {
      this.timer = setTimeout(() => this.stop("time"), limits.wallMs);
      (this.timer as { unref?: () => void }).unref?.();
    }
    account.onRecord(() => this.check());
  }

  /** Takes `n` calls from the budget; false (and the budget is spent) when they are not left. */
  take(n = 1): boolean {
    if (this.stoppedBy || this.signal.aborted) return false;
    if (this.callsTaken + n > this.limits.calls) {
      // Out of calls: refuse new ones, but let those in flight finish (they are already paid for).
      this.stoppedBy ??= "calls";
      return false;
    }
    this.callsTaken += n;
    return true;
  }

  /** True once any limit was hit (new calls are refused). */
  get spent(): boolean {
    return this.stoppedBy !== null;
  }

  /** Stops the strategy: refuses new calls and cancels those in flight. */
  stop(limit: BudgetLimit): void {
    if (this.stoppedBy) return;
    this.stoppedBy = limit;
    this.controller?.abort(new DOMException(`strategy budget spent (${limit})`, "AbortError"));
  }

  private check(): void {
    const totals = this.account.totals();
    if (totals.usage.total_tokens >= this.limits.tokens) this.stop("tokens");
    else if (totals.costUsd !== null && totals.costUsd >= this.limits.usd) this.stop("usd");
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}
