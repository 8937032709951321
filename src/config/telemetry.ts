/**
 * Telemetry, ledger, budgets and limits config. The telemetry work refines these schemas.
 */
import { z } from "zod";

export const telemetrySchema = z.looseObject({});
export const ledgerSchema = z.looseObject({});

/** Per-tenant (or per-key) spend budget. */
export const budgetSchema = z.looseObject({});
/** Per-tenant (or per-key) rate limits. */
export const limitsSchema = z.looseObject({});
