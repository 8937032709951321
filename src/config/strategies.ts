/**
 * Strategy-related config: verifiers and the tenant's strategy policy. The strategy framework
 * refines these schemas.
 */
import { z } from "zod";

export const verifierSchema = z.looseObject({ type: z.string() });

/** Which strategies a tenant may ask for, and caps on what they may spend. */
export const tenantStrategyPolicySchema = z.looseObject({
  allowed: z.array(z.string()).optional(),
});
