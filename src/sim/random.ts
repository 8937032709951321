/** Deterministic randomness for the sim: the same request and seed always give the same output. */

/** FNV-1a 32-bit hash of a string (one implementation, shared with the strategies). */
export { hash32 } from "../strategies/hash.js";

/** mulberry32, the one deterministic PRNG of the project (shared with the strategies and the eval). */
export { seededUniforms as rng } from "../strategies/search-math.js";

/** The sim's tokenizer: words with their leading space, and single punctuation marks. */
export function tokenize(text: string): string[] {
  return text.match(/\s*[A-Za-z0-9]+|\s*[^\sA-Za-z0-9]|\s+$/g) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}
