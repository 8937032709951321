/**
 * UTF-8 text of a body received in chunks, shared by the client side (`api/body.ts`) and the
 * upstream side (`providers/transport.ts`). Most bodies arrive in one chunk: that one is decoded
 * as it is, without copying it into a buffer first.
 */
const decoder = new TextDecoder();

/** `parts` (of `size` bytes in all) as one UTF-8 string. */
export function decodeParts(parts: Uint8Array[], size: number): string {
  if (parts.length === 1) return decoder.decode(parts[0]);
  const all = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return decoder.decode(all);
}
