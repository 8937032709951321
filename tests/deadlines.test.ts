/** The deadlines behind upstream first-byte and idle timeouts, with either way of watching them. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Deadline, TICK_MS, trackDeadline, untrackDeadline, useSharedDeadlineTimer } from "../src/providers/deadlines.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tracked deadline `inMs` from now that writes its name into `fired` when it expires. */
function deadline(fired: string[], name: string, inMs: number): Deadline {
  const d: Deadline = { at: Date.now() + inMs, expire: () => fired.push(name) };
  trackDeadline(d);
  return d;
}

describe.each([
  ["one shared interval (Node)", true],
  ["a timer per deadline (elsewhere)", false],
])("deadlines with %s", (_name, sharedTimer) => {
  beforeAll(() => useSharedDeadlineTimer(sharedTimer));
  afterAll(() => useSharedDeadlineTimer(false));

  it("expires a passed deadline once, within a few ticks, and leaves later ones alone", async () => {
    const fired: string[] = [];
    deadline(fired, "soon", 30);
    const later = deadline(fired, "later", 60_000);
    await sleep(30 + 4 * TICK_MS);
    expect(fired).toEqual(["soon"]);
    await sleep(3 * TICK_MS);
    expect(fired).toEqual(["soon"]);
    untrackDeadline(later);
  });

  it("follows a deadline moved later (each chunk re-arms the idle timeout) and ignores an untracked one", async () => {
    const fired: string[] = [];
    const moving = deadline(fired, "moving", 40);
    untrackDeadline(deadline(fired, "dropped", 10));
    for (let i = 0; i < 5; i++) {
      await sleep(20);
      moving.at = Date.now() + 40;
    }
    expect(fired).toEqual([]);
    await sleep(40 + 4 * TICK_MS);
    expect(fired).toEqual(["moving"]);
  });

  it("keeps sweeping the others when one expiry throws", async () => {
    const fired: string[] = [];
    trackDeadline({ at: Date.now(), expire: () => { throw new Error("boom"); } });
    deadline(fired, "other", 0);
    await sleep(4 * TICK_MS);
    expect(fired).toEqual(["other"]);
  });
});
