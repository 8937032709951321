/**
 * The in-process counter store's sliding minute and month sums, with explicit clocks: requests
 * leave the window exactly 60 s after their second, settlements adjust tokens only while their
 * second is in the window, a clock that steps back never counts outside it, and the month's spend
 * follows days added before and after its first read, across a month boundary.
 */
import { describe, expect, it } from "vitest";
import { MemoryCounterStore } from "../src/tenants/budgets/memory.js";
import type { ScopePolicy } from "../src/tenants/budgets/types.js";

const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);
const rpm = (n: number): ScopePolicy[] => [{ scope: "tenant:acme", limits: { rpm: n } }];
const tpm = (n: number): ScopePolicy[] => [{ scope: "tenant:acme", limits: { tpm: n } }];

describe("in-process counter store: sliding minute", () => {
  it("frees a request's slot 60 s after its second, and says when", async () => {
    const store = new MemoryCounterStore();
    const at = (s: number, id: string) => store.acquire({ id, now: T0 + s * 1000, scopes: rpm(3), usd: 0, tokens: 0 });
    expect(await at(0, "a")).toMatchObject({ ok: true, requests: { limit: 3, remaining: 2, resetSeconds: 60 } });
    expect(await at(20, "b")).toMatchObject({ ok: true, requests: { remaining: 1, resetSeconds: 40 } });
    expect(await at(40, "c")).toMatchObject({ ok: true, requests: { remaining: 0, resetSeconds: 20 } });
    expect(await at(50, "d")).toMatchObject({ ok: false, code: "rate_limit_exceeded", limit: "rpm", retryAfterSeconds: 10 });
    // The first request's second leaves at +60: room for exactly one.
    expect(await at(60, "e")).toMatchObject({ ok: true, requests: { remaining: 0, resetSeconds: 20 } });
    expect(await at(61, "f")).toMatchObject({ ok: false, retryAfterSeconds: 19 });
    // Long idle: everything left the window.
    expect(await at(500, "g")).toMatchObject({ ok: true, requests: { remaining: 2, resetSeconds: 60 } });
  });

  it("settles tokens into the reservation's second, which then leaves the window like any other", async () => {
    const store = new MemoryCounterStore();
    const at = (s: number, id: string, tokens: number) => store.acquire({ id, now: T0 + s * 1000, scopes: tpm(1000), usd: 0, tokens });
    expect(await at(0, "a", 600)).toMatchObject({ ok: true, tokens: { remaining: 400 } });
    await store.settle("a", { usd: 0, tokens: 100, now: T0 + 1000 });
    expect(await at(1, "b", 800)).toMatchObject({ ok: true, tokens: { remaining: 100 } });
    // `b` settles 90 s later: whatever it adjusts has left the window by the next request.
    await store.settle("b", { usd: 0, tokens: 10, now: T0 + 90_000 });
    expect(await at(90, "c", 1000)).toMatchObject({ ok: true, tokens: { remaining: 0 } });
  });

  it("counts a request from a clock that stepped back in the latest second", async () => {
    const store = new MemoryCounterStore();
    const at = (s: number, id: string) => store.acquire({ id, now: T0 + s * 1000, scopes: rpm(2), usd: 0, tokens: 0 });
    expect(await at(100, "a")).toMatchObject({ ok: true });
    expect(await at(10, "b")).toMatchObject({ ok: true, requests: { remaining: 0 } });
    expect(await at(100, "c")).toMatchObject({ ok: false });
    // Both leave together, 60 s after the latest second.
    expect(await at(160, "d")).toMatchObject({ ok: true, requests: { remaining: 1 } });
  });
});

describe("in-process counter store: reservation numbers", () => {
  it("keys a reservation by its seq when it has one, and settles it only by that seq", async () => {
    const store = new MemoryCounterStore();
    const scopes: ScopePolicy[] = [{ scope: "tenant:acme", budget: { usdPerDay: 1 } }];
    // Client request ids may repeat: the same id with different numbers is two reservations.
    expect(await store.acquire({ id: "same#x", seq: 7, now: T0, scopes, usd: 0.3, tokens: 0 })).toMatchObject({ ok: true });
    expect(await store.acquire({ id: "same#x", seq: 8, now: T0, scopes, usd: 0.3, tokens: 0 })).toMatchObject({ ok: true });
    expect((await store.spend("tenant:acme", T0)).reserved).toBeCloseTo(0.6, 12);
    expect(store.settleKnown("same#x", { usd: 0.1, tokens: 0, now: T0 })).toBe(false);
    expect(store.settleKnown("same#x", { usd: 0.1, tokens: 0, now: T0 }, 7)).toBe(true);
    expect(store.settleKnown("same#x", { usd: 0.1, tokens: 0, now: T0 }, 7)).toBe(false);
    await store.settle("same#x", { usd: 0.2, tokens: 0, now: T0 }, 8);
    expect(await store.spend("tenant:acme", T0)).toMatchObject({ reserved: 0 });
    expect((await store.spend("tenant:acme", T0)).day).toBeCloseTo(0.3, 12);
    // Released by age like any other.
    await store.acquire({ id: "old", seq: 9, now: T0, scopes, usd: 0.5, tokens: 0 });
    expect(store.expireBefore(T0 + 1000)).toBe(1);
    expect(await store.spend("tenant:acme", T0)).toMatchObject({ reserved: 0 });
  });
});

describe("in-process counter store: month spend", () => {
  it("sums the month's days, whether added before or after its first read, and starts over next month", async () => {
    const store = new MemoryCounterStore();
    const budget: ScopePolicy[] = [{ scope: "tenant:acme", budget: { usdPerMonth: 1 } }];
    await store.addSpend("tenant:acme", "2026-10-31", 5); // last month: not counted
    await store.addSpend("tenant:acme", "2026-11-02", 0.25);
    expect(await store.spend("tenant:acme", T0)).toEqual({ day: 0, month: 0.25, reserved: 0 });
    await store.addSpend("tenant:acme", "2026-11-30", 0.5);
    expect(await store.acquire({ id: "a", now: T0, scopes: budget, usd: 0.3, tokens: 0 })).toMatchObject({ ok: false, code: "budget_exceeded", limit: "usdPerMonth" });
    expect(await store.acquire({ id: "b", now: T0, scopes: budget, usd: 0.2, tokens: 0 })).toMatchObject({ ok: true });
    await store.settle("b", { usd: 0.125, tokens: 0, now: T0 });
    expect(await store.spend("tenant:acme", T0)).toEqual({ day: 0.625, month: 0.875, reserved: 0 });
    const december = Date.UTC(2026, 11, 1, 0, 0, 1);
    expect(await store.spend("tenant:acme", december)).toEqual({ day: 0, month: 0, reserved: 0 });
    expect(await store.acquire({ id: "c", now: december, scopes: budget, usd: 0.9, tokens: 0 })).toMatchObject({ ok: true });
  });
});
