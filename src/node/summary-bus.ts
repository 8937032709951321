/**
 * Inside the background thread: finished requests, parsed once, for every service there that
 * reads them. The ledger service receives them from the request thread (one hand-off every few
 * ms) and publishes them here; span export subscribes instead of taking a second copy over its
 * own port — one message and one JSON.parse per batch instead of two.
 *
 * Module state of the thread: a new thread (after a crash) starts with no subscribers, and each
 * service subscribes again when it reconnects.
 */
import type { RequestSummary } from "../api/hooks.js";

type Subscriber = (summaries: RequestSummary[]) => void;

const subscribers = new Set<Subscriber>();

/**
 * Requests published before anyone subscribed: a thread started anew after a crash loads its
 * services concurrently, and the ledger may read its first hand-off before span export has
 * subscribed. Published only while span export runs, so someone comes; bounded all the same.
 */
let early: RequestSummary[][] = [];
let earlyCount = 0;
const MAX_EARLY = 50_000;

export function subscribeSummaries(fn: Subscriber): () => void {
  subscribers.add(fn);
  if (earlyCount) {
    const batches = early;
    early = [];
    earlyCount = 0;
    for (const b of batches) fn(b);
  }
  return () => subscribers.delete(fn);
}

export function publishSummaries(summaries: RequestSummary[]): void {
  if (!subscribers.size) {
    if (earlyCount + summaries.length <= MAX_EARLY) {
      early.push(summaries);
      earlyCount += summaries.length;
    }
    return;
  }
  for (const fn of subscribers) {
    try {
      fn(summaries);
    } catch {
      /* one reader failing must not stop the others, nor the ledger */
    }
  }
}
