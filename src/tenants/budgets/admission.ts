/**
 * Budgets and rate limits as the pipeline's `admit` hook: before any upstream call, reserve the
 * request's worst-case cost (prompt + max output tokens at the model's price, times the calls a
 * strategy may make) on the tenant and on the key; refuse with 429 `budget_exceeded` /
 * `rate_limit_exceeded` and `Retry-After` when a scope would go over; settle to the actual cost
 * when the request ends. Because the check counts reservations in flight, N concurrent requests
 * against a nearly spent budget overspend by at most one reservation.
 */
import { GatewayError } from "../../api/errors.js";
import type { Admission, AdmissionRequest } from "../../api/hooks.js";
import type { Price } from "../../config/common.js";
import { worstCaseCost } from "../../telemetry/pricing.js";
import type { AccountTotals } from "../../telemetry/usage.js";
import { type CounterStore, keyScope, type LimitStatus, type ScopePolicy, tenantScope, utcDay } from "./types.js";

export interface AdmissionOptions {
  store: CounterStore;
  /** Price of a catalog node in the current config (undefined → unknown → reserves 0 USD). */
  priceOf(model: string): Price | undefined;
  now?: () => number;
}

const LIMIT_WORDS: Record<string, string> = {
  usdPerDay: "daily budget",
  usdPerMonth: "monthly budget",
  rpm: "requests-per-minute limit",
  tpm: "tokens-per-minute limit",
};

/** The `admit` hook. */
export function budgetAdmission(opts: AdmissionOptions): (req: AdmissionRequest) => Promise<Admission> {
  const now = opts.now ?? Date.now;
  let reservations = 0;
  // An identity (one key of one tenant, in one config generation) always has the same scopes:
  // made once, their names are the same strings every time, so store lookups don't rehash them.
  const scopesOf = new WeakMap<AdmissionRequest["identity"], ScopePolicy[] | Unlimited>();
  return async (req) => {
    const id = req.identity;
    let scopes = scopesOf.get(id);
    if (!scopes) {
      const policies = [
        { scope: tenantScope(id.tenant), budget: id.config.budget, limits: id.config.limits },
        { scope: keyScope(id.tenant, id.keyId), budget: id.keyConfig?.budget, limits: id.keyConfig?.limits },
      ];
      scopes = policies.some(limited) ? policies : { unlimited: policies.map((p) => p.scope) };
      scopesOf.set(id, scopes);
    }
    if (!Array.isArray(scopes)) return spendOnly(opts.store, scopes.unlimited, now);
    const calls = Math.max(1, req.maxCalls);
    const usd = Math.min(worstCaseCost(opts.priceOf(req.model), req.promptTokens, req.maxOutputTokens, calls), req.maxUsd ?? Infinity);
    const tokens = Math.min((req.promptTokens + req.maxOutputTokens) * calls, req.maxTokens ?? Infinity);
    // Client request ids may repeat; the counter makes the reservation id unique. It wraps well
    // inside V8's integer keys, long after any reservation with the same number was settled.
    const seq = (reservations = (reservations % 0x3fffffff) + 1);
    const reservation = `${req.requestId}#${seq}`;
    let result: Awaited<ReturnType<CounterStore["acquire"]>>;
    try {
      result = await opts.store.acquire({ id: reservation, seq, now: now(), scopes, usd, tokens });
    } catch (err) {
      // A shared store that cannot answer and is told to refuse (`counters.onUnavailable: deny`).
      throw new GatewayError((err as Error).message, { status: 503, code: "counters_unavailable", retryable: true, retryAfterSeconds: 1 });
    }
    if (!result.ok) {
      const who = result.scope.startsWith("key:") ? "this API key" : `tenant "${id.tenant}"`;
      const what = LIMIT_WORDS[result.limit] ?? result.limit;
      const message =
        result.code === "budget_exceeded"
          ? `This request would exceed the ${what} of ${who}. Try again in ${result.retryAfterSeconds} s or ask for a larger budget.`
          : `Rate limit reached: the ${what} of ${who}. Try again in ${result.retryAfterSeconds} s.`;
      throw new GatewayError(message, { status: 429, code: result.code, retryable: result.code === "rate_limit_exceeded", retryAfterSeconds: result.retryAfterSeconds });
    }
    let settled = false;
    const admission: Admission = {
      settle(totals: AccountTotals) {
        if (settled) return;
        settled = true;
        void opts.store.settle(reservation, { usd: totals.costUsd ?? 0, tokens: totals.usage.total_tokens, now: now() }, seq).catch(() => {});
      },
    };
    const headers = rateLimitHeaders(result);
    if (headers) admission.headers = headers;
    return admission;
  };
}

/** Scopes with neither a budget nor a limit: nothing to check or reserve. */
interface Unlimited {
  unlimited: string[];
}

function limited(p: ScopePolicy): boolean {
  const b = p.budget;
  const l = p.limits;
  return b?.usdPerDay !== undefined || b?.usdPerMonth !== undefined || l?.rpm !== undefined || l?.tpm !== undefined;
}

/**
 * A tenant and key with no budget and no limit: nothing can refuse the request, so it waits for
 * no store (with Redis or a Durable Object, a round trip saved on every request), and its cost
 * is added to the scopes' spend when it ends, as a settlement would. A budget that a later
 * reload gives them therefore starts from what they spent before it; their requests in flight
 * at that moment are not counted against it until they end, and a new rpm/tpm limit counts
 * from the reload on.
 */
function spendOnly(store: CounterStore, scopes: string[], now: () => number): Admission {
  let settled = false;
  return {
    settle(totals: AccountTotals) {
      if (settled) return;
      settled = true;
      const usd = totals.costUsd ?? 0;
      if (!(usd > 0)) return;
      const day = utcDay(now());
      for (const scope of scopes) void store.addSpend(scope, day, usd).catch(() => {});
    },
  };
}

/**
 * OpenAI's rate-limit headers, for tenants or keys with rpm/tpm limits: `x-ratelimit-limit-*`,
 * `x-ratelimit-remaining-*` (after this request) and `x-ratelimit-reset-*` (when the sliding
 * minute next frees room), for the tightest scope. Absent when no limit applies.
 */
export function rateLimitHeaders(result: { requests?: LimitStatus; tokens?: LimitStatus }): Record<string, string> | undefined {
  const r = result.requests;
  const t = result.tokens;
  if (!r && !t) return undefined;
  // Literal names: headers built per request from templates are new strings every time.
  const h: Record<string, string> = {};
  if (r) {
    h["x-ratelimit-limit-requests"] = String(r.limit);
    h["x-ratelimit-remaining-requests"] = String(r.remaining);
    h["x-ratelimit-reset-requests"] = `${r.resetSeconds}s`;
  }
  if (t) {
    h["x-ratelimit-limit-tokens"] = String(t.limit);
    h["x-ratelimit-remaining-tokens"] = String(t.remaining);
    h["x-ratelimit-reset-tokens"] = `${t.resetSeconds}s`;
  }
  return h;
}
