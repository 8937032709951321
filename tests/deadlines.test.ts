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

  it("fires each of many interleaved deadlines once, and none that was untracked", async () => {
    const fired: string[] = [];
    const all = Array.from({ length: 40 }, (_, i) => deadline(fired, `d${i}`, i % 2 ? 10 : 60_000));
    for (let i = 0; i < all.length; i += 4) untrackDeadline(all[i + 1]!);
    // Tracking twice watches once.
    trackDeadline(all[3]!);
    await sleep(10 + 4 * TICK_MS);
    const expected = all.map((_, i) => i).filter((i) => i % 2 && i % 4 !== 1).map((i) => `d${i}`);
    expect([...fired].sort()).toEqual(expected.sort());
    for (let i = 0; i < all.length; i += 2) untrackDeadline(all[i]!);
    await sleep(2 * TICK_MS);
    expect(fired).toHaveLength(expected.length);
  });

  it("keeps no reference from a deadline that left the watch to any other deadline or timer", async () => {
    // What the watch keeps on a deadline must go when it leaves: a dead deadline that still
    // pointed at a live one would keep it (and its attempt) through young-generation GCs.
    const fired: string[] = [];
    const a = deadline(fired, "a", 60_000);
    const b = deadline(fired, "b", 0);
    const c = deadline(fired, "c", 60_000);
    untrackDeadline(a);
    await sleep(4 * TICK_MS);
    expect(fired).toEqual(["b"]);
    for (const d of [a, b]) {
      expect(d.prev ?? null).toBeNull();
      expect(d.next ?? null).toBeNull();
      expect(d.timer ?? null).toBeNull();
    }
    untrackDeadline(c);
    expect([c.prev ?? null, c.next ?? null, c.timer ?? null]).toEqual([null, null, null]);
  });
});
