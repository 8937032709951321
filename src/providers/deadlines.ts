/**
 * Deadlines of in-flight upstream attempts (first byte, idle between chunks), checked by one
 * shared timer instead of a setTimeout/clearTimeout pair per attempt and phase: moving a deadline
 * is an assignment, and the timer only runs while some attempt is in flight. A deadline fires up
 * to `TICK_MS` late, which is noise next to timeouts measured in seconds.
 */

export interface Deadline {
  /** Epoch ms; moved freely while tracked. */
  at: number;
  /** Called once, when `at` has passed (the deadline is no longer tracked then). */
  expire(): void;
}

export const TICK_MS = 20;

const active = new Set<Deadline>();
let timer: ReturnType<typeof setInterval> | undefined;

export function trackDeadline(d: Deadline): void {
  active.add(d);
  if (!timer) {
    timer = setInterval(sweep, TICK_MS);
    // Requests in flight keep the process alive on their own; this timer never should.
    (timer as { unref?: () => void }).unref?.();
  }
}

export function untrackDeadline(d: Deadline): void {
  active.delete(d);
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
    try {
      d.expire();
    } catch {
      /* one attempt's failure must not stop the others' deadlines */
    }
  }
}
