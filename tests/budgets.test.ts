/**
 * Budgets and rate limits per tenant and per key, end to end: 429 with OpenAI's envelope, a
 * distinct code and Retry-After; the worst-case reservation bounding overspend under 100
 * concurrent requests; rpm/tpm windows; spend rebuilt from the ledger after a restart.
 *
 * One contract, run against every counter store: in-process, and Redis (a real redis-server,
 * `tests/helpers/redis.ts`; skipped without one unless CI=true). What only a shared store does
 * (several instances, Redis going away) is in `counters-redis.test.ts`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { estimateTokens } from "../src/api/lifecycle.js";
import { closeDatabase } from "../src/node/database.js";
import { worstCaseCost } from "../src/telemetry/pricing.js";
import { HAVE_REDIS, startRedis, type TestRedis } from "./helpers/redis.js";
import { ADMIN_KEY, KEY_A, KEY_B, post, type Stack, startStack } from "./helpers/stack.js";

const IN_CI = process.env.CI === "true";
const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length) await stacks.pop()!.close();
});

/** The counter store under test: `counters:` config for each gateway the test starts. */
let counters: (() => Record<string, unknown>) | undefined;

async function stack(patch: (cfg: Record<string, unknown>) => void, reloadable = false): Promise<Stack> {
  const s = await startStack({
    reloadable,
    patch: (cfg) => {
      if (counters) cfg.counters = counters();
      patch(cfg);
    },
  });
  stacks.push(s);
  return s;
}

type Tenants = Record<string, Record<string, unknown>>;
const tenants = (cfg: Record<string, unknown>) => cfg.tenants as Tenants;
const LARGE = { input: 2.5, output: 10 };

const chat = (s: Stack, content: string, maxTokens: number, key = KEY_A, model = "sim-large") =>
  post(s, "/v1/chat/completions", { model, messages: [{ role: "user", content }], max_tokens: maxTokens }, {}, key);

async function usageTotals(s: Stack, key = ADMIN_KEY): Promise<{ cost_usd: number; requests: number }> {
  const res = await fetch(`${s.gateway.url}/v1/usage?tenant=team-a`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { totals: { cost_usd: number; requests: number } }).totals;
}

const STORES = [
  { name: "in-process counters", run: true, setup: undefined },
  {
    name: "Redis counters",
    run: HAVE_REDIS || IN_CI,
    setup: () => {
      let redis: TestRedis;
      beforeAll(async () => void (redis = await startRedis()));
      afterAll(() => redis?.stop());
      // A prefix per test: gateways a test restarts share it, tests do not.
      beforeEach(() => {
        const prefix = `t${randomBytes(4).toString("hex")}:`;
        counters = () => ({ url: redis.url, prefix });
      });
      afterAll(() => void (counters = undefined));
    },
  },
];

for (const store of STORES) {
  describe.runIf(store.run)(store.name, () => {
    store.setup?.();
  describe("budgets", () => {
    it("refuses a request that would exceed the tenant's daily budget with 429 budget_exceeded", async () => {
      const s = await stack((cfg) => (tenants(cfg)["team-a"]!.budget = { usdPerDay: 0.000001 }));
      const res = await chat(s, "too expensive", 100);
      expect(res.status).toBe(429);
      // Retrying a spent budget in seconds is pointless: the SDKs are told not to.
      expect(res.headers.get("x-should-retry")).toBe("false");
      const body = (await res.json()) as { error: { code: string; type: string; message: string } };
      expect(body.error.code).toBe("budget_exceeded");
      expect(body.error.type).toBe("rate_limit_error");
      expect(body.error.message).toMatch(/daily budget of tenant "team-a"/);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
      // The SDK sees an OpenAI RateLimitError carrying the code, and (with its default retries on)
      // sends it once: the refusal is one ledger row, not three.
      const before = (await usageTotals(s)).requests;
      await expect(s.client(undefined, { maxRetries: 2 }).chat.completions.create({ model: "sim-large", messages: [{ role: "user", content: "x" }], max_tokens: 100 })).rejects.toMatchObject({
        status: 429,
        code: "budget_exceeded",
      });
      expect((await usageTotals(s)).requests).toBe(before + 1);
      // Other tenants are not affected.
      expect((await chat(s, "fine", 100, KEY_B, "sim-small")).status).toBe(200);
    });

    it("applies a key's own budget and a monthly budget", async () => {
      const s = await stack((cfg) => {
        const b = tenants(cfg)["team-b"]!;
        (b.keys as Array<Record<string, unknown>>)[0]!.budget = { usdPerDay: 0.000001 };
        tenants(cfg)["team-a"]!.budget = { usdPerMonth: 0.000001 };
      });
      const b = await chat(s, "key budget", 50, KEY_B, "sim-small");
      expect(b.status).toBe(429);
      expect(((await b.json()) as { error: { message: string } }).error.message).toMatch(/this API key/);
      const a = await chat(s, "month budget", 50);
      expect(a.status).toBe(429);
      expect(((await a.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "budget_exceeded", message: expect.stringMatching(/monthly budget/) });
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    });

    it("overspends a nearly spent budget by at most one reservation under 100 concurrent requests", async () => {
      const content = "concurrent spend";
      const maxTokens = 40;
      const reservation = worstCaseCost(LARGE, estimateTokens([{ role: "user", content }]), maxTokens);
      const budget = reservation * 10.5;
      const s = await stack((cfg) => (tenants(cfg)["team-a"]!.budget = { usdPerDay: budget }));
      // Nearly spend it.
      for (let i = 0; i < 8; i++) expect((await chat(s, content, maxTokens)).status).toBe(200);
      const before = (await usageTotals(s)).cost_usd;
      expect(before).toBeLessThan(budget);

      const statuses = await Promise.all(Array.from({ length: 100 }, () => chat(s, content, maxTokens).then(async (r) => [r.status, r.status === 429 ? ((await r.json()) as { error: { code: string } }).error.code : "ok"] as const)));
      const ok = statuses.filter(([st]) => st === 200).length;
      const refused = statuses.filter(([st, code]) => st === 429 && code === "budget_exceeded").length;
      expect(ok + refused).toBe(100);
      expect(ok).toBeGreaterThanOrEqual(1);
      expect(refused).toBeGreaterThan(50);
      const spent = (await usageTotals(s)).cost_usd;
      expect(spent).toBeLessThanOrEqual(budget + reservation);
      // No reservation is left behind once every request settled.
      const budgets = (await (await fetch(`${s.gateway.url}/v1/usage/budgets`, { headers: { authorization: `Bearer ${KEY_A}` } })).json()) as { data: Array<{ tenant: string; reserved_usd: number; spent_today_usd: number }> };
      expect(budgets.data).toHaveLength(1);
      expect(budgets.data[0]!).toMatchObject({ tenant: "team-a", reserved_usd: 0 });
      expect(budgets.data[0]!.spent_today_usd).toBeCloseTo(spent, 10);
    });

    it("rebuilds spend from the ledger after a restart", async () => {
      const path = join(mkdtempSync(join(tmpdir(), "octoroute-budget-")), "octoroute.db");
      const first = await stack((cfg) => (cfg.database = { path }));
      for (let i = 0; i < 3; i++) expect((await chat(first, "spend before restart", 30)).status).toBe(200);
      const spent = (await usageTotals(first)).cost_usd;
      expect(spent).toBeGreaterThan(0);
      await stacks.pop()!.close();
      closeDatabase(path); // the next gateway opens the file afresh, as a new process would

      const reservation = worstCaseCost(LARGE, estimateTokens([{ role: "user", content: "after restart" }]), 30);
      // Room for half a reservation, given what was spent before the restart: refused only if that spend is remembered.
      const second = await stack((cfg) => {
        cfg.database = { path };
        tenants(cfg)["team-a"]!.budget = { usdPerDay: spent + reservation / 2 };
      });
      const res = await chat(second, "after restart", 30);
      expect(res.status).toBe(429);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
      expect((await usageTotals(second)).cost_usd).toBeCloseTo(spent, 12);
    });

    it("counts what a tenant without a budget spends, so a budget given later by a reload starts from it", async () => {
      // team-a has no budget and no limit: its requests reserve nothing and wait for no store.
      const s = await stack(() => {}, true);
      for (let i = 0; i < 3; i++) expect((await chat(s, "spend before any budget", 30)).status).toBe(200);
      expect((await chat(s, "no rate-limit headers either", 30)).headers.get("x-ratelimit-limit-requests")).toBeNull();
      const spent = (await usageTotals(s)).cost_usd;
      expect(spent).toBeGreaterThan(0);
      // Spend is added when each request ends (not awaited by it): wait until the store has all of it.
      const tenantSpend = async () => (await s.gateway.accounting!.store.spend("tenant:team-a", Date.now())).day;
      for (let i = 0; i < 100 && Math.abs((await tenantSpend()) - spent) > 1e-12; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await tenantSpend()).toBeCloseTo(spent, 12);

      const reservation = worstCaseCost(LARGE, estimateTokens([{ role: "user", content: "after the budget" }]), 30);
      s.reconfigure((cfg) => (tenants(cfg)["team-a"]!.budget = { usdPerDay: spent + reservation / 2 }));
      const res = await chat(s, "after the budget", 30);
      expect(res.status).toBe(429);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("budget_exceeded");
      // Without the budget again, nothing refuses it.
      s.reconfigure((cfg) => delete tenants(cfg)["team-a"]!.budget);
      expect((await chat(s, "after the budget", 30)).status).toBe(200);
    });
  });

  describe("rate limits", () => {
    it("enforces requests per minute per key with 429 rate_limit_exceeded and Retry-After", async () => {
      const s = await stack((cfg) => {
        ((tenants(cfg)["team-b"]!.keys as Array<Record<string, unknown>>)[0]!).limits = { rpm: 3 };
      });
      for (let i = 0; i < 3; i++) expect((await chat(s, `rpm ${i}`, 5, KEY_B, "sim-small")).status).toBe(200);
      const res = await chat(s, "rpm 4", 5, KEY_B, "sim-small");
      expect(res.status).toBe(429);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
      expect(res.headers.get("x-should-retry")).toBe("true");
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // team-a has no limit.
      for (let i = 0; i < 5; i++) expect((await chat(s, `free ${i}`, 5, KEY_A, "sim-small")).status).toBe(200);
    });

    it("enforces tokens per minute per tenant, counting reservations then actual tokens", async () => {
      const tpm = 200;
      const s = await stack((cfg) => (tenants(cfg)["team-a"]!.limits = { tpm }));
      // A request whose worst case alone exceeds the window is refused at once.
      const big = await chat(s, "too many tokens", 500, KEY_A, "sim-small");
      expect(big.status).toBe(429);
      expect(((await big.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: "rate_limit_exceeded", message: expect.stringMatching(/tokens-per-minute/) });

      let used = 0;
      let refusedAt = -1;
      const content = "small";
      for (let i = 0; i < 30 && refusedAt < 0; i++) {
        const res = await chat(s, content, 20, KEY_A, "sim-small");
        if (res.status === 429) refusedAt = i;
        else used += ((await res.json()) as { usage: { total_tokens: number } }).usage.total_tokens;
      }
      expect(refusedAt).toBeGreaterThan(0);
      // Admitted requests stayed within the window; the refused one would have gone over it.
      expect(used).toBeLessThanOrEqual(tpm);
      expect(used + estimateTokens([{ role: "user", content }]) + 20).toBeGreaterThan(tpm);
    });

    it("tell a limited key its rpm and tpm standing on every answer, streamed or not; an unlimited tenant gets none", async () => {
      const s = await stack((cfg) => {
        ((tenants(cfg)["team-b"]!.keys as Array<Record<string, unknown>>)[0]!).limits = { rpm: 5 };
        tenants(cfg)["team-b"]!.limits = { tpm: 100_000 };
      });
      const remaining: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await chat(s, `headers ${i}`, 5, KEY_B, "sim-small");
        expect(res.status).toBe(200);
        expect(res.headers.get("x-ratelimit-limit-requests")).toBe("5");
        expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("100000");
        expect(Number(res.headers.get("x-ratelimit-remaining-tokens"))).toBeLessThan(100_000);
        expect(res.headers.get("x-ratelimit-reset-requests")).toMatch(/^([1-9]|[1-5]\d|60)s$/);
        remaining.push(Number(res.headers.get("x-ratelimit-remaining-requests")));
      }
      expect(remaining).toEqual([4, 3, 2]);
      const streamed = await post(s, "/v1/chat/completions", { model: "sim-small", stream: true, messages: [{ role: "user", content: "streamed" }], max_tokens: 5 }, {}, KEY_B);
      expect(streamed.headers.get("x-ratelimit-remaining-requests")).toBe("1");
      await streamed.text();
      const free = await chat(s, "no limits here", 5, KEY_A, "sim-small");
      expect(free.headers.get("x-ratelimit-limit-requests")).toBeNull();
    });
  });
  });
}
