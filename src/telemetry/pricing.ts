/**
 * Cost of one upstream call from its reported usage and the model's price (USD per 1M tokens).
 * Cached input tokens are billed at the cached rate when the price has one; they are part of
 * `prompt_tokens` in OpenAI's usage, so they are not billed twice.
 */
import type { Price } from "../config/common.js";
import { roundUsd } from "./usage.js";

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
}

export function costOf(price: Price | undefined, t: TokenCounts): number | null {
  if (!price) return null;
  const cachedRate = price.cachedInput ?? price.input;
  const writeRate = price.cacheWrite ?? price.input;
  const uncached = Math.max(0, t.inputTokens - t.cachedTokens - t.cacheWriteTokens);
  const micro = uncached * price.input + t.cachedTokens * cachedRate + t.cacheWriteTokens * writeRate + t.outputTokens * price.output;
  return roundUsd(micro / 1_000_000 + (price.perRequest ?? 0));
}
