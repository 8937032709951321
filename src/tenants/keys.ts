/**
 * API keys. Only SHA-256 hashes are stored; a presented key is hashed and compared in constant
 * time. Web Crypto is used so the same code runs on Node and Workers.
 */
const encoder = new TextEncoder();

export const KEY_PREFIX = "sk-oct-";

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  const bytes = new Uint8Array(digest);
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += bytes[i]!.toString(16).padStart(2, "0");
  return hex;
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

/** A new random key (`sk-oct-` + 40 base62-ish chars) and the line to paste into the config. */
export async function mintKey(): Promise<{ key: string; hash: string }> {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let body = "";
  while (body.length < 40) {
    // Bytes >= 248 (= 62*4) are rejected so every character is equally likely.
    for (const b of crypto.getRandomValues(new Uint8Array(48))) if (b < 248 && body.length < 40) body += alphabet[b % 62];
  }
  const key = KEY_PREFIX + body;
  return { key, hash: `sha256:${await sha256Hex(key)}` };
}
