/**
 * Budgets and rate limits shared through Redis (`counters.url`) by several gateway instances, each
 * with its own ledger: limits and the overspend bound hold across instances, spend is seeded from
 * the ledger once after Redis lost its data (never twice), and when Redis goes away the gateway
 * serves unchecked or refuses with 503, as configured, then recovers when Redis is back. Against a
 * real redis-server (skipped without one unless CI=true, where it fails).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@redis/client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { estimateTokens } from "../src/api/lifecycle.js";
import { closeDatabase } from "../src/node/database.js";
import { worstCaseCost } from "../src/telemetry/pricing.js";
import { HAVE_REDIS, startRedis, type TestRedis } from "./helpers/redis.js";
import { ADMIN_KEY, KEY_A, KEY_B, post, type Stack, startStack } from "./helpers/stack.js";

const IN_CI = process.env.CI === "true";
const LARGE = { input: 2.5, output: 10 };
type Tenants = Record<string, Record<string, unknown>>;

let redis: TestRedis;
const stacks: Stack[] = [];
beforeAll(async () => {
  if (HAVE_REDIS || IN_CI) redis = await startRedis();
});
afterAll(() => redis?.stop());
afterEach(async () => {
  while (stacks.length) await stacks.pop()!.close();
});

async function gateway(counters: Record<string, unknown>, patch: (cfg: Record<string, unknown>) => void = () => {}, log?: (m: string) => void): Promise<Stack> {
  const s = await startStack({
    patch: (cfg) => {
      cfg.counters = counters;
      patch(cfg);
    },
    log,
  });
  stacks.push(s);
  return s;
}

const prefix = () => `t${randomBytes(4).toString("hex")}:`;
const chat = (s: Stack, content: string, maxTokens: number, key = KEY_A, model = "sim-large") =>
  post(s, "/v1/chat/completions", { model, messages: [{ role: "user", content }], max_tokens: maxTokens }, {}, key);

async function ledgerCost(s: Stack): Promise<number> {
  const res = await fetch(`${s.gateway.url}/v1/usage?tenant=team-a`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return ((await res.json()) as { totals: { cost_usd: number } }).totals.cost_usd;
}

async function budgetSeen(s: Stack): Promise<{ spent_today_usd: number; reserved_usd: number }> {
  const res = await fetch(`${s.gateway.url}/v1/usage/budgets`, { headers: { authorization: `Bearer ${KEY_A}` } });
  return ((await res.json()) as { data: Array<{ spent_today_usd: number; reserved_usd: number }> }).data[0]!;
}

describe.runIf(HAVE_REDIS || IN_CI)("counters shared through Redis", () => {
  it("counts one requests-per-minute limit across two instances", async () => {
    const counters = { url: redis.url, prefix: prefix() };
    const limited = (cfg: Record<string, unknown>) => void (((cfg.tenants as Tenants)["team-b"]!.keys as Array<Record<string, unknown>>)[0]!.limits = { rpm: 4 });
    const [a, b] = [await gateway(counters, limited), await gateway(counters, limited)];
    for (const s of [a, b, a, b]) expect((await chat(s, "shared rpm", 5, KEY_B, "sim-small")).status).toBe(200);
    for (const s of [a, b]) {
      const res = await chat(s, "one too many", 5, KEY_B, "sim-small");
      expect(res.status).toBe(429);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
    }
  });

  it("overspends a budget by at most one reservation under 100 concurrent requests split over two instances", async () => {
    const content = "shared budget";
    const maxTokens = 40;
    const reservation = worstCaseCost(LARGE, estimateTokens([{ role: "user", content }]), maxTokens);
    const budget = reservation * 10.5;
    const counters = { url: redis.url, prefix: prefix() };
    const withBudget = (cfg: Record<string, unknown>) => void ((cfg.tenants as Tenants)["team-a"]!.budget = { usdPerDay: budget });
    const [a, b] = [await gateway(counters, withBudget), await gateway(counters, withBudget)];
    for (let i = 0; i < 8; i++) expect((await chat(i % 2 ? a : b, content, maxTokens)).status).toBe(200);

    const statuses = await Promise.all(Array.from({ length: 100 }, (_, i) => chat(i % 2 ? a : b, content, maxTokens).then((r) => r.status)));
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(50);
    // Each instance has its own ledger: together they hold everything that was spent.
    const spent = (await ledgerCost(a)) + (await ledgerCost(b));
    expect(spent).toBeLessThanOrEqual(budget + reservation);
    // Both see the same spend in Redis, equal to the ledgers' to the nano-dollar, and nothing left reserved.
    for (const s of [a, b]) {
      const seen = await budgetSeen(s);
      expect(seen.reserved_usd).toBe(0);
      expect(seen.spent_today_usd).toBeCloseTo(spent, 8);
    }
  });

  it("seeds spend from the ledger once after Redis lost its data, and never twice", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "octoroute-redis-seed-")), "octoroute.db");
    const counters = { url: redis.url, prefix: prefix() };
    const first = await gateway(counters, (cfg) => void (cfg.database = { path }));
    for (let i = 0; i < 3; i++) expect((await chat(first, "spend", 30)).status).toBe(200);
    const spent = await ledgerCost(first);
    await stacks.pop()!.close();
    closeDatabase(path);

    // Redis loses everything (a restart without persistence): the next instance seeds it from its ledger.
    const admin = createClient({ url: redis.url });
    await admin.connect();
    await admin.flushAll();
    await admin.close();
    const second = await gateway(counters, (cfg) => void (cfg.database = { path }));
    expect((await budgetSeen(second)).spent_today_usd).toBeCloseTo(spent, 8);
    // Another instance starting now finds the spend already there and does not add it again.
    const third = await gateway(counters, (cfg) => void (cfg.database = { path: join(mkdtempSync(join(tmpdir(), "octoroute-redis-seed-")), "other.db") }));
    expect((await budgetSeen(third)).spent_today_usd).toBeCloseTo(spent, 8);
    expect((await budgetSeen(second)).spent_today_usd).toBeCloseTo(spent, 8);
  });
});

describe.runIf(HAVE_REDIS || IN_CI)("when Redis goes away", () => {
  let own: TestRedis;
  beforeAll(async () => void (own = await startRedis()));
  afterAll(() => own?.stop());

  it("serves unchecked (onUnavailable: allow) or refuses with 503 (deny), says so once, and recovers", async () => {
    const tiny = (cfg: Record<string, unknown>) => void ((cfg.tenants as Tenants)["team-a"]!.budget = { usdPerDay: 1e-9 });
    const logs: string[] = [];
    const allow = await gateway({ url: own.url, prefix: prefix(), timeoutMs: 200 }, tiny, (m) => logs.push(m));
    const deny = await gateway({ url: own.url, prefix: prefix(), timeoutMs: 200, onUnavailable: "deny" }, tiny);
    expect((await chat(allow, "checked", 5)).status).toBe(429);
    expect((await chat(deny, "checked", 5)).status).toBe(429);

    await own.stop();
    const served = await chat(allow, "unchecked", 5);
    expect(served.status).toBe(200);
    const refused = await chat(deny, "refused", 5);
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("counters_unavailable");
    expect(refused.headers.get("retry-after")).toBe("1");
    // A tenant with neither budget nor limit has nothing to check: served even by `deny`, with no wait on Redis.
    expect((await chat(deny, "nothing to check", 5, KEY_B, "sim-small")).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await chat(allow, "unchecked", 5)).status).toBe(200);
    // The budgets view still answers: the limits, and no spend figures it cannot read.
    const view = await fetch(`${allow.gateway.url}/v1/usage/budgets`, { headers: { authorization: `Bearer ${KEY_A}` } });
    expect(view.status).toBe(200);
    expect(((await view.json()) as { data: unknown[] }).data[0]).toMatchObject({ usd_per_day: 1e-9, spent_today_usd: null });
    // Still ready (every instance shares the Redis: taking them all out would serve nobody), but degraded.
    const ready = await fetch(`${allow.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, { status: string }> }).checks.counters).toMatchObject({ status: "degraded" });
    const said = logs.filter((l) => l.startsWith("counters:"));
    expect(said.length).toBeGreaterThanOrEqual(1);
    expect(said.length).toBeLessThanOrEqual(2);
    expect(said.join("\n")).not.toContain("redis://");

    // Back on the same port: the clients reconnect and the budget is enforced again.
    own = await startRedis(own.port);
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await chat(allow, "checked again", 5)).status) !== 429) await new Promise((r) => setTimeout(r, 200));
    expect(status).toBe(429);
    while (Date.now() < deadline && (status = (await chat(deny, "checked again", 5)).status) !== 429) await new Promise((r) => setTimeout(r, 200));
    expect(status).toBe(429);
  });
});

describe.runIf(HAVE_REDIS || IN_CI)("when Redis cannot be reached at start", () => {
  // Nothing listens on port 1; the URL carries a password that must never be shown.
  const down = "redis://:hunter2-secret@127.0.0.1:1";

  it("with onUnavailable: allow, starts, serves unchecked and shuts down at once", async () => {
    const logs: string[] = [];
    const s = await gateway({ url: down, timeoutMs: 200 }, (cfg) => void ((cfg.tenants as Tenants)["team-a"]!.budget = { usdPerDay: 1e-9 }), (m) => logs.push(m));
    expect((await chat(s, "unchecked", 5)).status).toBe(200);
    expect(logs.some((l) => l.startsWith("counters:"))).toBe(true);
    expect(logs.join("\n")).not.toContain("hunter2");
    const started = Date.now();
    await stacks.pop()!.close();
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("with onUnavailable: deny, refuses to start and says why", async () => {
    const err = await gateway({ url: down, timeoutMs: 200, onUnavailable: "deny" }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^counters: cannot reach Redis \(counters.onUnavailable is deny\)/);
    expect(err?.message).not.toContain("hunter2");
  });
});
