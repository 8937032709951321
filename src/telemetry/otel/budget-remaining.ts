/**
 * Reads what is left of every configured budget (tenant and key, per day and per month) for the
 * `octoroute.budget.remaining` gauge. Spend comes from the counter store, the same numbers budget
 * admission decides on, so the gauge and a 429 `budget_exceeded` never disagree. Reservations in
 * flight count as spent: that is what admission counts too.
 */
import type { OctorouteConfig } from "../../config/schema.js";
import type { BudgetConfig } from "../../config/telemetry.js";
import { keyScope, type ScopeSpend, tenantScope } from "../../tenants/budgets/types.js";
import type { BudgetRemaining } from "./node-sdk.js";

/** Returns a reader for the gauge; `config` is called per collection so reloads are honoured. */
export function budgetRemainingReader(config: () => OctorouteConfig, spend: (scope: string, now: number) => Promise<ScopeSpend>): () => Promise<BudgetRemaining[]> {
  return async () => {
    const now = Date.now();
    const out: BudgetRemaining[] = [];
    const add = async (scope: string, budget: BudgetConfig | undefined, tenant: string, keyId?: string) => {
      if (budget?.usdPerDay === undefined && budget?.usdPerMonth === undefined) return;
      const s = await spend(scope, now);
      if (budget.usdPerDay !== undefined) out.push({ tenant, keyId, period: "day", remainingUsd: Math.max(0, budget.usdPerDay - s.day - s.reserved) });
      if (budget.usdPerMonth !== undefined) out.push({ tenant, keyId, period: "month", remainingUsd: Math.max(0, budget.usdPerMonth - s.month - s.reserved) });
    };
    for (const [tenant, tc] of Object.entries(config().tenants)) {
      await add(tenantScope(tenant), tc.budget, tenant);
      for (const key of tc.keys) if (typeof key !== "string") await add(keyScope(tenant, key.id), key.budget, tenant, key.id);
    }
    return out;
  };
}
