/** Backoff for upstream retries: exponential with full jitter, honouring Retry-After. */
import type { RetryConfig } from "../config/providers.js";
import type { Abortable } from "../api/request-signal.js";

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1). Returns null when the upstream asks
 * for a longer wait than the policy allows: then retrying is pointless and the 429/503 (with its
 * Retry-After) goes to the client.
 */
export function retryDelayMs(policy: RetryConfig, attempt: number, retryAfterSeconds: number | undefined, random = Math.random): number | null {
  if (retryAfterSeconds !== undefined) {
    const ms = retryAfterSeconds * 1000;
    return ms <= policy.maxDelayMs ? ms : null;
  }
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/** Resolves after `ms`, or rejects when the signal aborts. */
export function sleep(ms: number, signal?: Abortable): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
