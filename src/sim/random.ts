/** Deterministic randomness for the sim: the same request and seed always give the same output. */

/** FNV-1a 32-bit hash of a string. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG with good enough statistics for simulation. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The sim's tokenizer: words with their leading space, and single punctuation marks. */
export function tokenize(text: string): string[] {
  return text.match(/\s*[A-Za-z0-9]+|\s*[^\sA-Za-z0-9]|\s+$/g) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}
