/**
 * Deadlines of in-flight upstream attempts (first byte, idle between chunks). Moving a deadline
 * is an assignment to `at`; how deadlines are watched depends on the runtime:
 *
 * - **Node** (`useSharedDeadlineTimer()`, called by the Node entry): one shared 20 ms interval
 *   checks every tracked deadline, instead of a setTimeout/clearTimeout pair per attempt and
 *   phase. It runs only while some attempt is in flight; a deadline fires up to `TICK_MS` late,
 *   which is noise next to timeouts measured in seconds.
 * - **Elsewhere** (Workers): one timer per deadline, re-armed when it fires before a deadline
 *   that moved later. A Workers timer belongs to the request that set it and time there advances
 *   only with I/O, so a timer shared across requests is not something to rely on.
 *
 * **Why no Map or Set holds them.** The watch state lives on the deadline itself: the shared
 * list's links, or the deadline's own timer. A long-lived Map or Set that takes and drops an
 * entry per attempt rebuilds its table every few attempts, and V8 keeps a discarded table's
 * entries and a link to its successor (for iterators still walking it). Once one discarded
 * table had been promoted to the old generation, every later table, and through the deadlines
 * in it every attempt's handler, response and closures, survived young-generation GCs by that
 * link and was promoted, until a full GC broke the chain, if it did (docs/performance.md: ~3.8 KB
 * promoted per request with a Set here, ~0.6 KB with the list).
 */

export interface Deadline {
  /** Epoch ms; moved freely while tracked. */
  at: number;
  /** Called once, when `at` has passed (the deadline is no longer tracked then). */
  expire(): void;
  /**
   * Owned by this module while the deadline is tracked: its links in the shared list (Node) or
   * its own timer (elsewhere). Start them as `null` so that every deadline has the same shape.
   */
  prev?: Deadline | null;
  next?: Deadline | null;
  timer?: ReturnType<typeof setTimeout> | null;
}

export const TICK_MS = 20;

let shared = false;

/** Node: watch all deadlines with one interval timer. */
export function useSharedDeadlineTimer(on = true): void {
  shared = on;
}

export function trackDeadline(d: Deadline): void {
  if (shared) link(d);
  else armOwn(d);
}

/** Stops watching `d` (whichever way it was watched); a no-op when it is not tracked. */
export function untrackDeadline(d: Deadline): void {
  unlink(d);
  if (d.timer) {
    clearTimeout(d.timer);
    d.timer = null;
  }
}

function expire(d: Deadline): void {
  try {
    d.expire();
  } catch {
    /* one attempt's failure must not stop the others' deadlines */
  }
}

// One timer per deadline.

function armOwn(d: Deadline): void {
  if (d.timer) clearTimeout(d.timer);
  d.timer = setTimeout(() => {
    d.timer = null;
    if (Date.now() < d.at) armOwn(d);
    else expire(d);
  }, Math.max(0, d.at - Date.now()));
}

// One shared interval over a doubly-linked list of the tracked deadlines. A deadline that leaves
// the list has both links cleared, so a dead one never holds a live one.

let head: Deadline | null = null;
let tracked = 0;
let timer: ReturnType<typeof setInterval> | undefined;

const isLinked = (d: Deadline): boolean => d === head || (d.prev !== undefined && d.prev !== null);

function link(d: Deadline): void {
  if (isLinked(d)) return;
  d.prev = null;
  d.next = head;
  if (head) head.prev = d;
  head = d;
  tracked++;
  if (!timer) {
    timer = setInterval(sweep, TICK_MS);
    // Requests in flight keep the process alive on their own; this timer never should.
    (timer as { unref?: () => void }).unref?.();
  }
}

function unlink(d: Deadline): void {
  if (!isLinked(d)) return;
  const { prev = null, next = null } = d;
  if (prev) prev.next = next;
  else head = next;
  if (next) next.prev = prev;
  d.prev = null;
  d.next = null;
  tracked--;
}

function sweep(): void {
  if (tracked === 0) {
    clearInterval(timer);
    timer = undefined;
    return;
  }
  const now = Date.now();
  // Unlinked during the walk, expired after it: an `expire` may untrack other deadlines.
  let due: Deadline[] | undefined;
  for (let d = head; d; d = d.next ?? null) if (now >= d.at) (due ??= []).push(d);
  if (!due) return;
  for (const d of due) unlink(d);
  for (const d of due) expire(d);
}
