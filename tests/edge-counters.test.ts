/**
 * The counters Durable Object's own rules, on an in-memory stand-in for workerd's storage (the
 * end-to-end path through workerd is in workerd.test.ts): a settlement the object no longer has
 * a reservation for still adds its spend, unsettled reservations are released after 30 minutes,
 * and days before last month are dropped from storage when the object loads.
 */
import { describe, expect, it } from "vitest";
import type { CounterOp } from "../src/edge/counter-ops.js";
import { type DurableObjectStateLike, OctorouteCounters } from "../src/edge/counters-object.js";

function storage(initial: Record<string, number> = {}) {
  const data = new Map<string, number>(Object.entries(initial));
  const state: DurableObjectStateLike = {
    blockConcurrencyWhile: (fn) => fn(),
    storage: {
      list: async <T>({ prefix }: { prefix: string }) => new Map([...data].filter(([k]) => k.startsWith(prefix))) as unknown as Map<string, T>,
      put: async <T>(entries: Record<string, T>) => {
        for (const [k, v] of Object.entries(entries)) data.set(k, v as number);
      },
      delete: async (keys: string[]) => keys.filter((k) => data.delete(k)).length,
    },
  };
  return { data, state };
}

const now = Date.UTC(2026, 10, 30, 12);
const day = "2026-11-30";
const scopes = [
  { scope: "tenant:acme", budget: { usdPerDay: 1 } },
  { scope: "key:acme/ci", limits: { rpm: 100 } },
];
const acquire = (id: string, usd: number, at = now): CounterOp => ({ op: "acquire", req: { id, now: at, scopes, usd, tokens: 10 } });
const settle = (id: string, usd: number, at = now): CounterOp => ({ op: "settle", id, actual: { usd, tokens: 8, now: at }, scopes: scopes.map((s) => s.scope) });
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("OctorouteCounters (Durable Object)", () => {
  it("adds the spend of a reservation it forgot (evicted between acquire and settle) and stores it", async () => {
    const { data, state } = storage();
    const first = new OctorouteCounters(state);
    await tick();
    expect(await first.apply(acquire("r1", 0.6))).toMatchObject({ ok: true });
    // A new instance (the object was evicted) gets the settlement.
    const second = new OctorouteCounters(state);
    await tick();
    await second.apply(settle("r1", 0.5));
    expect(data.get(`spend|tenant:acme|${day}`)).toBeCloseTo(0.5, 12);
    expect(data.get(`spend|key:acme/ci|${day}`)).toBeCloseTo(0.5, 12);
    expect(await second.apply({ op: "spend", scope: "tenant:acme", now })).toMatchObject({ day: 0.5, reserved: 0 });
    // A third instance loads it: 0.5 spent + 0.6 asked > the 1 USD day.
    const third = new OctorouteCounters(state);
    await tick();
    expect(await third.apply(acquire("r2", 0.6))).toMatchObject({ ok: false, code: "budget_exceeded", limit: "usdPerDay" });
    expect(await third.apply(acquire("r3", 0.4))).toMatchObject({ ok: true });
  });

  it("releases a reservation never settled after 30 minutes", async () => {
    const { state } = storage();
    const counters = new OctorouteCounters(state);
    await tick();
    expect(await counters.apply(acquire("held", 0.9))).toMatchObject({ ok: true });
    expect(await counters.apply(acquire("next", 0.2, now + 60_000))).toMatchObject({ ok: false, code: "budget_exceeded" });
    expect(await counters.apply(acquire("later", 0.2, now + 31 * 60_000))).toMatchObject({ ok: true });
  });

  it("drops days before last month from storage when it loads", async () => {
    const thisMonth = new Date().toISOString().slice(0, 7);
    const { data, state } = storage({ "spend|tenant:acme|2020-01-05": 3, [`spend|tenant:acme|${thisMonth}-01`]: 0.25 });
    const counters = new OctorouteCounters(state);
    await tick();
    expect([...data.keys()]).toEqual([`spend|tenant:acme|${thisMonth}-01`]);
    expect(await counters.apply({ op: "spend", scope: "tenant:acme", now: Date.now() })).toMatchObject({ month: 0.25 });
  });

  it("keys reservations by id only: a gateway's local seq never reaches its bookkeeping", async () => {
    const { state } = storage();
    const counters = new OctorouteCounters(state);
    await tick();
    // Two gateways' isolates both number their reservations from 1.
    const withSeq = (id: string, usd: number): CounterOp => ({ op: "acquire", req: { id, seq: 1, now, scopes, usd, tokens: 10 } });
    expect(await counters.apply(withSeq("gw-a#1", 0.4))).toMatchObject({ ok: true });
    expect(await counters.apply(withSeq("gw-b#1", 0.4))).toMatchObject({ ok: true });
    await counters.apply(settle("gw-a#1", 0.1));
    await counters.apply(settle("gw-b#1", 0.1));
    // Both settled against their own reservations: nothing held, each spend counted once.
    expect(await counters.apply({ op: "spend", scope: "tenant:acme", now })).toMatchObject({ day: 0.2, reserved: 0 });
  });

  it("answers a malformed body or an unknown operation with 400", async () => {
    const { state } = storage();
    const counters = new OctorouteCounters(state);
    expect((await counters.fetch(new Request("https://x/op", { method: "POST", body: "{" }))).status).toBe(400);
    expect((await counters.fetch(new Request("https://x/op", { method: "POST", body: JSON.stringify({ op: "reset" }) }))).status).toBe(400);
    expect((await counters.fetch(new Request("https://x/op", { method: "POST", body: "null" }))).status).toBe(400);
  });
});
