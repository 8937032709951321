/** TransientMap: the keyed collection behind per-request entries in long-lived structures. */
import { describe, expect, it } from "vitest";
import { TransientMap } from "../src/transient-map.js";

describe("TransientMap", () => {
  it("sets, gets, replaces and deletes entries and counts them", () => {
    const m = new TransientMap<string, number>();
    expect(m.size).toBe(0);
    m.set("a", 1).set("b", 2).set("a", 3);
    expect(m.size).toBe(2);
    expect(m.get("a")).toBe(3);
    expect(m.has("b")).toBe(true);
    expect(m.delete("b")).toBe(true);
    expect(m.delete("b")).toBe(false);
    expect(m.has("b")).toBe(false);
    expect(m.get("b")).toBeUndefined();
    expect(m.size).toBe(1);
  });

  it("takes keys that name Object.prototype members as plain keys", () => {
    const m = new TransientMap<string, string>();
    for (const k of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(m.has(k)).toBe(false);
      expect(m.get(k)).toBeUndefined();
      m.set(k, `v-${k}`);
    }
    expect(m.size).toBe(4);
    expect(m.get("__proto__")).toBe("v-__proto__");
    expect(Object.fromEntries(m.entries())).toEqual({ constructor: "v-constructor", toString: "v-toString", ["__proto__"]: "v-__proto__", hasOwnProperty: "v-hasOwnProperty" });
  });

  it("iterates what is left after heavy churn, and clears", () => {
    const m = new TransientMap<number, string>();
    for (let i = 1; i <= 10_000; i++) {
      m.set(i, `r${i}`);
      if (i > 16) m.delete(i - 16);
    }
    expect(m.size).toBe(16);
    expect([...m.values()]).toEqual(Array.from({ length: 16 }, (_, i) => `r${9985 + i}`));
    expect([...m.entries()][0]).toEqual(["9985", "r9985"]);
    m.clear();
    expect(m.size).toBe(0);
    expect([...m.values()]).toEqual([]);
  });

  it("keeps an entry that outlives a thousand later keys apart from the key that shares its slot", () => {
    const m = new TransientMap<number | string, string>();
    m.set(7, "long-lived");
    // 7 + 1024 lands on the same slot while 7 is still there: both stay reachable, each by its own key.
    for (let i = 8; i <= 7 + 2048; i++) {
      m.set(i, `r${i}`);
      if (i > 16) m.delete(i - 8);
    }
    expect(m.get(7)).toBe("long-lived");
    expect(m.get(7 + 1024)).toBeUndefined(); // deleted by the churn, as any other
    m.set(7 + 2048 + 1024, "same slot as 7");
    expect(m.get(7)).toBe("long-lived");
    expect(m.get(7 + 2048 + 1024)).toBe("same slot as 7");
    expect(m.delete(7)).toBe(true);
    expect(m.has(7)).toBe(false);
    expect(m.get(7 + 2048 + 1024)).toBe("same slot as 7");
    // Re-setting a key kept in the dictionary updates it there, not a second copy in its freed slot.
    m.set(7 + 2048 + 1024, "updated");
    expect([...m.entries()].filter(([k]) => k === String(7 + 2048 + 1024))).toEqual([[String(7 + 2048 + 1024), "updated"]]);
    // Negative, fractional and string keys, and object order over all of them.
    m.set(-1, "neg").set(2.5, "frac").set("x", "str");
    expect(m.get(-1)).toBe("neg");
    expect(m.get(2.5)).toBe("frac");
    const keys = [...m.entries()].map(([k]) => k);
    const ints = keys.filter((k) => /^\d+$/.test(k));
    expect(ints).toEqual([...ints].sort((a, b) => Number(a) - Number(b)));
    expect(keys.indexOf("x")).toBeGreaterThan(keys.indexOf(ints[ints.length - 1]!));
    expect(m.size).toBe(keys.length);
    // Deleting while iterating is safe.
    for (const [k] of m.entries()) m.delete(/^\d+$/.test(k) ? Number(k) : k === "-1" ? -1 : k === "2.5" ? 2.5 : k);
    expect(m.size).toBe(0);
  });
});
