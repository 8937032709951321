/** Small zod pieces shared by the config sections. */
import { z } from "zod";

/** USD per 1M tokens, by kind of token; `perRequest` for providers that charge a fee per call. */
export const priceSchema = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cachedInput: z.number().min(0).optional(),
  cacheWrite: z.number().min(0).optional(),
  perRequest: z.number().min(0).optional(),
});
export type Price = z.infer<typeof priceSchema>;

export const durationMs = z.number().int().min(1);

/** Names used as map keys in the config (models, routes, tenants, providers). */
export const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "use letters, digits and . _ : / @ -");
