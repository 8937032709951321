/**
 * The price catalog (`config/prices.yaml`): USD per 1M tokens by kind (input, output, cached-input
 * read, cache write) plus per-request fees, keyed by model name. Models in the config refer to it
 * by name (catalog name first, then upstream name) or carry their own `price`, which wins.
 * Validated like the config, so a typo in a price is an error at start, never a silent 0.
 */
import { z } from "zod";
import { type Price, priceSchema } from "../config/common.js";

const pricesByModel = z.record(z.string().min(1), priceSchema);

/** The file: `{ models: { <name>: price } }`. */
export const priceCatalogSchema = z.strictObject({ models: pricesByModel.default({}) });

export type PriceCatalog = Record<string, Price>;

/** Validates a parsed catalog file; errors name the entry (`models.gpt-4o.output: ...`). */
export function parsePriceCatalog(raw: unknown, source = "price catalog"): PriceCatalog {
  const parsed = priceCatalogSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`${source}: ${issues.join("; ")}`);
  }
  return parsed.data.models;
}
