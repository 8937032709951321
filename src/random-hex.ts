/**
 * Random hex strings from the platform CSPRNG (`crypto.getRandomValues`, Node and Workers), drawn
 * in blocks: request ids, trace ids and span ids are made on every request, and a `randomUUID()`
 * plus reformatting per id cost more than the rest of making one.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const pool = new Uint8Array(4096);
let at = pool.length;

/** `bytes` random bytes as 2 × `bytes` lower-case hex digits. */
export function randomHex(bytes: number): string {
  if (at + bytes > pool.length) {
    crypto.getRandomValues(pool);
    at = 0;
  }
  let out = "";
  for (let i = 0; i < bytes; i++) out += HEX[pool[at++]!];
  return out;
}
