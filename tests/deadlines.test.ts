/** The deadlines behind upstream first-byte and idle timeouts, with either way of watching them. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Deadline, TICK_MS, trackDeadline, untrackDeadline, useSharedDeadlineTimer } from "../src/providers/deadlines.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([
  ["one shared interval (Node)", true],
  ["a timer per deadline (elsewhere)", false],
])("deadlines with %s", (_name, sharedTimer) => {
  beforeAll(() => useSharedDeadlineTimer(sharedTimer));
  afterAll(() => useSharedDeadlineTimer(false));

  it("expires a passed deadline once, within a few ticks, and leaves later ones alone", async () => {
    const fired: string[] = [];
    const soon: Deadline = { at: Date.now() + 30, expire: () => fired.push("soon") };
    const later: Deadline = { at: Date.now() + 60_000, expire: () => fired.push("later") };
    trackDeadline(soon);
    trackDeadline(later);
    await sleep(30 + 4 * TICK_MS);
    expect(fired).toEqual(["soon"]);
    await sleep(3 * TICK_MS);
    expect(fired).toEqual(["soon"]);
    untrackDeadline(later);
  });

  it("follows a deadline moved later (each chunk re-arms the idle timeout) and ignores an untracked one", async () => {
    const fired: string[] = [];
    const moving: Deadline = { at: Date.now() + 40, expire: () => fired.push("moving") };
    const dropped: Deadline = { at: Date.now() + 10, expire: () => fired.push("dropped") };
    trackDeadline(moving);
    trackDeadline(dropped);
    untrackDeadline(dropped);
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
    trackDeadline({ at: Date.now(), expire: () => fired.push("other") });
    await sleep(4 * TICK_MS);
    expect(fired).toEqual(["other"]);
  });
});
