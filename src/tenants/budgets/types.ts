/**
 * The counter store contract behind budgets and rate limits: spend per UTC day and month,
 * outstanding reservations, and sliding one-minute request/token windows, per scope (a tenant or
 * one of its keys). Every check-and-reserve is ONE call (`acquire`), so a shared implementation
 * (a Redis Lua script for several Node instances, a Durable Object per tenant at the edge) can
 * make it atomic and drop in without changing the admission code.
 */
import type { BudgetConfig, LimitsConfig } from "../../config/telemetry.js";

/** One scope's policy for an acquire: `tenant:<name>` or `key:<tenant>/<keyId>`. */
export interface ScopePolicy {
  scope: string;
  budget?: BudgetConfig;
  limits?: LimitsConfig;
}

export interface AcquireRequest {
  /** Reservation id (the request id); `settle` refers to it. */
  id: string;
  /**
   * The reservation's number, unique in this process, when the caller has one (`settle` gets it
   * too). In-process bookkeeping keys by it instead of `id`: V8 interns every string used as a
   * property key, an integer key costs nothing (~1.5 µs per request on the request thread).
   */
  seq?: number;
  /** ms since the epoch. */
  now: number;
  /** Every scope is checked; the reservation is taken on all of them or on none. */
  scopes: ScopePolicy[];
  /** Worst-case USD of the request. */
  usd: number;
  /** Worst-case tokens (prompt + max output, times calls). */
  tokens: number;
}

/** Where a rate limit stands after an admission (the tightest scope that has the limit). */
export interface LimitStatus {
  limit: number;
  remaining: number;
  /** Seconds until the window has more room than now. */
  resetSeconds: number;
}

export type AcquireResult =
  | {
      ok: true;
      /** Requests-per-minute standing, when a scope has an rpm limit (stores that can tell). */
      requests?: LimitStatus;
      /** Tokens-per-minute standing, when a scope has a tpm limit. */
      tokens?: LimitStatus;
    }
  | {
      ok: false;
      code: "budget_exceeded" | "rate_limit_exceeded";
      scope: string;
      /** Which limit: `usdPerDay`, `usdPerMonth`, `rpm`, `tpm`. */
      limit: keyof BudgetConfig | keyof LimitsConfig;
      /** Seconds until the request could pass. */
      retryAfterSeconds: number;
    };

/** What a reservation actually cost. */
export interface Settlement {
  usd: number;
  tokens: number;
  now: number;
}

/** Spend of one scope. */
export interface ScopeSpend {
  day: number;
  month: number;
  /** USD held by reservations in flight. */
  reserved: number;
}

export interface CounterStore {
  /** Checks every scope's budget and limits and, if all pass, reserves on all of them. */
  acquire(req: AcquireRequest): Promise<AcquireResult>;
  /** Replaces reservation `id` (numbered `seq` when acquired with one) by the actual cost and tokens. Unknown ids are ignored. */
  settle(id: string, actual: Settlement, seq?: number): Promise<void>;
  /** Adds spend that happened outside `acquire` (rebuilding from the ledger after a restart). */
  addSpend(scope: string, day: string, usd: number): Promise<void>;
  spend(scope: string, now: number): Promise<ScopeSpend>;
  /** Whether a shared store can be reached now (absent: always, as in-process). */
  reachable?(): boolean;
  close(): Promise<void>;
}

/** Scope names. */
export const tenantScope = (tenant: string): string => `tenant:${tenant}`;
export const keyScope = (tenant: string, keyId: string): string => `key:${tenant}/${keyId}`;

let dayCache = { start: 0, end: -1, day: "" };

/** `YYYY-MM-DD` of a time, in UTC (cached for the current day: it is asked on every request). */
export function utcDay(now: number): string {
  if (now >= dayCache.start && now < dayCache.end) return dayCache.day;
  const day = new Date(now).toISOString().slice(0, 10);
  const start = Date.parse(`${day}T00:00:00Z`);
  dayCache = { start, end: start + 86_400_000, day };
  return day;
}

/** Seconds until the next UTC midnight / first of next month. */
export function secondsUntilNext(unit: "day" | "month", now: number): number {
  const d = new Date(now);
  const next = unit === "day" ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - now) / 1000));
}
