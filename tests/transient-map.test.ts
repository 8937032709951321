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
});
