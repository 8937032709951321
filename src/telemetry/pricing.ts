/**
 * Cost of one upstream call from its reported usage and the model's price (USD per 1M tokens).
 * Cached input tokens are billed at the cached rate when the price has one; they are part of
 * `prompt_tokens` in OpenAI's usage, so they are not billed twice. A model without a known price
 * costs `null` (never a silent 0) and is counted in `pricingWarnings` for metrics and logs.
 */
import type { Price } from "../config/common.js";
import { roundUsd } from "./usage.js";

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
}

/** USD for one call, or null when the price is unknown. */
export function costOf(price: Price | undefined, t: TokenCounts): number | null {
  if (!price) return null;
  const cachedRate = price.cachedInput ?? price.input;
  const writeRate = price.cacheWrite ?? price.input;
  const uncached = Math.max(0, t.inputTokens - t.cachedTokens - t.cacheWriteTokens);
  const micro = uncached * price.input + t.cachedTokens * cachedRate + t.cacheWriteTokens * writeRate + t.outputTokens * price.output;
  return roundUsd(micro / 1_000_000 + (price.perRequest ?? 0));
}

/**
 * Worst-case cost of a request before it runs (budget reservation): every prompt token uncached,
 * every allowed output token produced, on each of `calls` calls. 0 when the price is unknown.
 */
export function worstCaseCost(price: Price | undefined, promptTokens: number, maxOutputTokens: number, calls = 1): number {
  if (!price) return 0;
  const one = (promptTokens * Math.max(price.input, price.cacheWrite ?? 0) + maxOutputTokens * price.output) / 1_000_000 + (price.perRequest ?? 0);
  return roundUsd(one * Math.max(1, calls));
}

/** Upstream calls that could not be priced, by model (a warning metric: a price is missing). */
export const pricingWarnings = {
  unpricedCalls: new Map<string, number>(),
  total: 0,
};

/** Counts one unpriced call of `model`. */
export function noteUnpriced(model: string): void {
  pricingWarnings.total++;
  pricingWarnings.unpricedCalls.set(model, (pricingWarnings.unpricedCalls.get(model) ?? 0) + 1);
}
