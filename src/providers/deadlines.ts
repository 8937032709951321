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
 */

export interface Deadline {
  /** Epoch ms; moved freely while tracked. */
  at: number;
  /** Called once, when `at` has passed (the deadline is no longer tracked then). */
  expire(): void;
}

export const TICK_MS = 20;

let shared = false;

/** Node: watch all deadlines with one interval timer. */
export function useSharedDeadlineTimer(on = true): void {
  shared = on;
}

export function trackDeadline(d: Deadline): void {
  if (shared) trackShared(d);
  else armOwn(d);
}

export function untrackDeadline(d: Deadline): void {
  active.delete(d);
  const own = ownTimers.get(d);
  if (own !== undefined) {
    clearTimeout(own);
    ownTimers.delete(d);
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

const ownTimers = new Map<Deadline, ReturnType<typeof setTimeout>>();

function armOwn(d: Deadline): void {
  ownTimers.set(
    d,
    setTimeout(() => {
      ownTimers.delete(d);
      if (Date.now() < d.at) armOwn(d);
      else expire(d);
    }, Math.max(0, d.at - Date.now())),
  );
}

// One shared interval.

const active = new Set<Deadline>();
let timer: ReturnType<typeof setInterval> | undefined;

function trackShared(d: Deadline): void {
  active.add(d);
  if (!timer) {
    timer = setInterval(sweep, TICK_MS);
    // Requests in flight keep the process alive on their own; this timer never should.
    (timer as { unref?: () => void }).unref?.();
  }
}

function sweep(): void {
  if (active.size === 0) {
    clearInterval(timer);
    timer = undefined;
    return;
  }
  const now = Date.now();
  for (const d of active) {
    if (now < d.at) continue;
    active.delete(d);
    expire(d);
  }
}
