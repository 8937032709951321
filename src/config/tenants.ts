/** `tenants:` — who may call, with which keys, and what they may use. */
import { z } from "zod";
import { nameSchema } from "./common.js";
import { tenantStrategyPolicySchema } from "./strategies.js";
import { budgetSchema, limitsSchema } from "./telemetry.js";

/** A key is stored only as its SHA-256 (`sha256:<64 hex>`); mint one with `octoroute keys mint`. */
export const keyHashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected sha256:<64 lowercase hex digits> (mint one with `npm run octoroute -- keys mint`)");

export const tenantKeySchema = z.union([
  keyHashSchema,
  z.strictObject({
    id: nameSchema,
    hash: keyHashSchema,
    budget: budgetSchema.optional(),
    limits: limitsSchema.optional(),
  }),
]);

export const tenantSchema = z.strictObject({
  keys: z.array(tenantKeySchema).min(1),
  /** Catalog models the tenant may call by name; `"*"` allows all. */
  models: z.array(z.string()).default([]),
  /** Routes the tenant may call; `"*"` allows all. */
  routes: z.array(z.string()).default([]),
  budget: budgetSchema.optional(),
  limits: limitsSchema.optional(),
  strategies: tenantStrategyPolicySchema.optional(),
  /** Telemetry may carry prompt/completion text only when a tenant opts in. */
  logContent: z.boolean().default(false),
});
export type TenantConfig = z.infer<typeof tenantSchema>;
