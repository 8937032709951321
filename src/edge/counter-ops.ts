/**
 * What the gateway asks the counters Durable Object (`counters-object.ts`), as JSON over the
 * object's `fetch`: one message per `CounterStore` call, so the object is the store's
 * check-and-reserve unit exactly as the in-process store is.
 */
import type { AcquireRequest, Settlement } from "../tenants/budgets/types.js";

export type CounterOp =
  | { op: "acquire"; req: AcquireRequest }
  /** `scopes`: where the reservation was taken (the spend is added there even if the object forgot it). */
  | { op: "settle"; id: string; actual: Settlement; scopes: string[] }
  | { op: "addSpend"; scope: string; day: string; usd: number }
  | { op: "spend"; scope: string; now: number };

/** Storage keys of spend: `spend|<scope>|<YYYY-MM-DD>`. */
export const SPEND_PREFIX = "spend|";
export const spendKey = (scope: string, day: string): string => `${SPEND_PREFIX}${scope}|${day}`;
