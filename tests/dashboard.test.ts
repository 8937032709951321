/**
 * The cost dashboard, opened in real headless Chromium after a burst of traffic: signed in with the
 * admin key it shows the same totals as the usage API, signed in with a tenant key it shows only
 * that tenant, and it renders without a script or CSP error. Screenshots go to `test-output/`.
 * With CI=true a missing Chromium fails the suite rather than skipping it.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { BROWSER_TESTS, launchChromium } from "./helpers/chromium.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, KEY_A, KEY_B, type Stack, startStack } from "./helpers/stack.js";

const OUT = join(process.cwd(), "test-output");

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    patch: (cfg) => {
      const tenants = cfg.tenants as Record<string, Record<string, unknown>>;
      // Small enough for the burn-down to move, large enough for the burst's worst-case reservations.
      tenants["team-a"]!.budget = { usdPerDay: 0.2, usdPerMonth: 0.5 };
      tenants["team-b"]!.budget = { usdPerMonth: 0.05 };
      cfg.routes = { fast: { model: "sim-fast" }, smart: { model: "sim-large" } };
    },
  });
  // A burst of mixed traffic: two tenants, three models, two routes, streams, completions, embeddings, a failure.
  const a = stack.client(KEY_A);
  const b = stack.client(KEY_B);
  const jobs: Array<Promise<unknown>> = [];
  const ask = (c: typeof a, model: string, i: number) => c.chat.completions.create({ model, messages: [{ role: "user", content: `question number ${i} about ${model}` }], max_tokens: 40 + (i % 5) * 30 });
  for (let i = 0; i < 12; i++) jobs.push(ask(a, ["sim-small", "sim-large", "fast", "smart"][i % 4]!, i));
  for (let i = 0; i < 6; i++) jobs.push(ask(b, i % 2 ? "sim-small" : "fast", i));
  for (let i = 0; i < 5; i++) {
    jobs.push(
      (async () => {
        const s = await a.chat.completions.create({ model: i % 2 ? "sim-large" : "sim-small", messages: [{ role: "user", content: `stream ${i}` }], max_tokens: 120, stream: true, stream_options: { include_usage: true } });
        for await (const _ of s) void _;
      })(),
    );
  }
  jobs.push(a.completions.create({ model: "sim-small", prompt: "Once upon a time", max_tokens: 16 }));
  jobs.push(a.embeddings.create({ model: "sim-embed", input: ["alpha", "beta"] }));
  jobs.push(a.chat.completions.create({ model: "sim-flaky", messages: [{ role: "user", content: "fail" }], max_tokens: 20 }, { headers: { "x-sim-fault": "500" } }).catch((e: unknown) => e));
  await Promise.all(jobs);
});
afterAll(() => stack?.close());

async function usage(key: string, query: string) {
  const res = await fetch(`${stack.gateway.url}${query}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

describe("dashboard over HTTP", () => {
  it("serves the page and its assets without a key, with a strict CSP", async () => {
    const page = await fetch(`${stack.gateway.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain("Octoroute cost dashboard");
    for (const file of ["dashboard.js", "charts.js", "format.js", "dashboard.css", "chart.umd.min.js", "logo.svg"]) {
      const res = await fetch(`${stack.gateway.url}/dashboard/assets/${file}`);
      expect(res.status, file).toBe(200);
      expect((await res.text()).length, file).toBeGreaterThan(100);
    }
    expect((await fetch(`${stack.gateway.url}/dashboard/assets/missing.js`)).status).toBe(404);
    for (const odd of ["index.html", "constructor", "__proto__", "toString"]) expect((await fetch(`${stack.gateway.url}/dashboard/assets/${odd}`)).status, odd).toBe(404);
  });

  it("serves idealised latency per model behind a key, a tenant seeing only its own calls", async () => {
    expect((await fetch(`${stack.gateway.url}/v1/dashboard/latency`)).status).toBe(401);
    const all = (await usage(ADMIN_KEY, "/v1/dashboard/latency")).data as Array<Record<string, any>>;
    const small = all.find((m) => m.model === "sim-small")!;
    expect(small.streamed_calls).toBeGreaterThan(0);
    expect(small.source).toBe("streamed");
    expect(small.ttft_ms).toBeGreaterThanOrEqual(0);
    expect(small.ms_per_output_token).toBeGreaterThan(0);
    // The wire rounds each figure to 1 µs; 256 × that rounding stays under 0.2 ms.
    expect(Math.abs(small.idealised_ms - (small.ttft_ms + 256 * small.ms_per_output_token))).toBeLessThan(0.2);
    const mine = (await usage(KEY_B, "/v1/dashboard/latency")).data as Array<Record<string, any>>;
    expect(mine.map((m) => m.model).sort()).toEqual(["sim-fast", "sim-small"]);
    expect(mine.find((m) => m.model === "sim-small")!.calls).toBe(3);
    expect(mine.reduce((n, m) => n + m.calls, 0)).toBe(6);
  });
});

// Skipped only on a developer machine without Debian's chromium; in CI (CI=true) it always runs,
// and fails if .ci/run did not install the browser.
describe.skipIf(!BROWSER_TESTS)("dashboard in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(() => browser?.close());

  async function open(key: string): Promise<{ page: Page; problems: string[] }> {
    // Reduced motion: the page turns chart animations off, so screenshots are still frames.
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, reducedMotion: "reduce" });
    const problems: string[] = [];
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    page.on("pageerror", (e) => void problems.push(e.message));
    await page.goto(`${stack.gateway.url}/dashboard`);
    await page.fill("#key", key);
    await page.click("#signin-form button[type=submit]");
    await page.waitForSelector("body[data-state=ready]", { timeout: 15_000 });
    return { page, problems };
  }

  const kpi = (page: Page, name: string) => page.getAttribute(`[data-kpi="${name}"]`, "data-value").then((v) => (v === "" || v === null ? null : Number(v)));

  async function expectTotalsMatch(page: Page, key: string) {
    const from = await page.getAttribute("body", "data-from");
    const to = await page.getAttribute("body", "data-to");
    const api = await usage(key, `/v1/usage?from=${new Date(Number(from)).toISOString()}&to=${new Date(Number(to)).toISOString()}`);
    const t = api.totals;
    expect(t.requests).toBeGreaterThan(0);
    expect(await kpi(page, "requests")).toBe(t.requests);
    expect(await kpi(page, "errors")).toBe(t.errors);
    expect(await kpi(page, "calls")).toBe(t.calls);
    expect(await kpi(page, "input_tokens")).toBe(t.input_tokens);
    expect(await kpi(page, "output_tokens")).toBe(t.output_tokens);
    expect(await kpi(page, "total_tokens")).toBe(t.total_tokens);
    expect(await kpi(page, "cost_usd")).toBe(t.cost_usd);
    expect(await kpi(page, "p50")).toBe(t.latency_ms.p50);
    expect(await kpi(page, "p95")).toBe(t.latency_ms.p95);
    // What a person reads matches too.
    expect(await page.textContent('[data-kpi="requests"]')).toBe(t.requests.toLocaleString("en-US"));
    expect(await page.getAttribute('[data-kpi="cost_usd"]', "title")).toBe(`$${Number(t.cost_usd.toFixed(10))}`);
    return api;
  }

  it("shows the admin the same totals as the usage API, every chart drawn", async () => {
    const { page, problems } = await open(ADMIN_KEY);
    try {
      expect(await page.textContent("#who")).toBe("Admin · all tenants");
      await expectTotalsMatch(page, ADMIN_KEY);
      // The most expensive request in the table is the API's most expensive one.
      const top = await usage(ADMIN_KEY, `/v1/usage/requests?limit=1&from=${new Date(Number(await page.getAttribute("body", "data-from"))).toISOString()}`);
      expect(await page.getAttribute("#table-requests tbody tr:first-child", "data-request-id")).toBe(top.data[0].request_id);
      // Charts drew something (a blank canvas has no non-transparent pixels).
      for (const id of ["chart-spend", "chart-share", "chart-tokens", "chart-latency", "chart-burn", "chart-ideal"]) {
        const painted = await page.$eval(`#${id}`, (c) => {
          const canvas = c as HTMLCanvasElement;
          const data = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
          return n;
        });
        expect(painted, id).toBeGreaterThan(500);
      }
      expect(await page.$$eval("#budget-list li[data-tenant]", (els) => els.map((e) => e.getAttribute("data-tenant")))).toEqual(["team-a", "team-b"]);
      expect(await page.$$eval("#table-routes tbody tr", (rows) => rows.map((r) => r.textContent!.trim().split(/\s+/)[0]))).toEqual(expect.arrayContaining(["smart", "fast"]));
      await page.screenshot({ path: join(OUT, "dashboard-admin.png"), fullPage: true });
      // Filtering to one tenant gives that tenant's totals.
      await page.selectOption("#tenant-filter", "team-b");
      await page.waitForSelector("body[data-state=ready]");
      const from = new Date(Number(await page.getAttribute("body", "data-from"))).toISOString();
      const to = new Date(Number(await page.getAttribute("body", "data-to"))).toISOString();
      const b = await usage(ADMIN_KEY, `/v1/usage?tenant=team-b&from=${from}&to=${to}`);
      expect(await kpi(page, "requests")).toBe(b.totals.requests);
      expect(await kpi(page, "cost_usd")).toBe(b.totals.cost_usd);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("shows a tenant only its own tenant", async () => {
    const { page, problems } = await open(KEY_B);
    try {
      expect(await page.textContent("#who")).toBe("Tenant · team-b");
      expect(await page.isVisible("#tenant-filter")).toBe(false);
      const api = await expectTotalsMatch(page, KEY_B);
      expect(api.totals.requests).toBe(6);
      const text = await page.textContent("body");
      expect(text).not.toContain("team-a");
      expect(text).not.toContain("sim-large");
      await page.screenshot({ path: join(OUT, "dashboard-tenant.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("refuses a wrong key and signs out cleanly", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 760 }, reducedMotion: "reduce" });
    try {
      await page.goto(`${stack.gateway.url}/dashboard`);
      await page.fill("#key", "sk-not-a-real-key");
      await page.click("#signin-form button[type=submit]");
      await page.waitForSelector("#signin-error:not([hidden])");
      expect(await page.textContent("#signin-error")).toBe("That key was not accepted.");
      await page.screenshot({ path: join(OUT, "dashboard-signin.png") });
      expect(await page.isVisible("#app")).toBe(false);
      await page.fill("#key", KEY_A);
      await page.click("#signin-form button[type=submit]");
      await page.waitForSelector("body[data-state=ready]");
      await page.click("#signout");
      expect(await page.isVisible("#signin")).toBe(true);
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    } finally {
      await page.close();
    }
  });
});
