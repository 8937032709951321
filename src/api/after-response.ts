/**
 * Work that belongs to a finished request but not to its response: settling its budget
 * reservation and handing its summary to the ledger, metrics and spans. On Node it runs right
 * after the response has been written (the event loop's check phase), so the client never waits
 * for accounting; everywhere else (Workers, where work after the response needs `waitUntil`) it
 * runs at once. Anything that reads what accounting produced (ledger flushes and queries, metrics,
 * shutdown) calls `drainAfterResponse()` first, so nothing deferred is ever missed.
 */

type Scheduler = (run: () => void) => void;

let scheduler: Scheduler | undefined;
let queue: Array<() => void> = [];
let scheduled = false;

/** Node: `deferAfterResponseWith(setImmediate)`. Without a scheduler, deferred work runs at once. */
export function deferAfterResponseWith(schedule: Scheduler | undefined): void {
  scheduler = schedule;
  if (!schedule) drainAfterResponse();
}

export function afterResponse(work: () => void): void {
  if (!scheduler) return runSafely(work);
  queue.push(work);
  if (!scheduled) {
    scheduled = true;
    scheduler(drainAfterResponse);
  }
}

/** Runs everything deferred so far (in order). Safe to call any time, from anywhere. */
export function drainAfterResponse(): void {
  scheduled = false;
  while (queue.length) {
    const batch = queue;
    queue = [];
    for (const work of batch) runSafely(work);
  }
}

function runSafely(work: () => void): void {
  try {
    work();
  } catch {
    /* accounting sinks must never fail a request or each other */
  }
}
