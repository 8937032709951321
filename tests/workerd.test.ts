/**
 * The same app on the Workers runtime: `src/worker.ts` is bundled by wrangler and run under
 * workerd (wrangler's `unstable_startWorker`, local mode, nothing fetched from the internet), with
 * the gateway config in the `OCTOROUTE_CONFIG` binding pointing at a sim on loopback. The official
 * SDK then chats through it, streamed and not — proof that nothing reachable from `src/app.ts`
 * needs Node.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimServer, startSim } from "../src/sim/server.js";
import { sha256Hex } from "../src/tenants/keys.js";
import { BROWSER_TESTS, launchChromium } from "./helpers/chromium.js";
import { ADMIN_KEY, baseConfig, KEY_A, KEY_B } from "./helpers/stack.js";
import { decodeMetrics, decodeTraces } from "./helpers/otlp-proto.js";

// Wrangler must never phone home from a test.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_LOG ??= "error";

type Worker = Awaited<ReturnType<typeof import("wrangler").unstable_startWorker>>;

let sim: SimServer;
let worker: Worker;
/** OTLP/HTTP receiver on loopback: every span the Worker exports. */
let collector: Server;
let collectorAuth: string | undefined;
type MetricsPush = {
  resourceMetrics: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeMetrics: Array<{ metrics: Array<{ name: string; histogram?: { aggregationTemporality: number; dataPoints: Array<{ count: number | string; attributes: Array<{ key: string; value: { stringValue?: string } }> }> } }> }>;
  }>;
};
/** Metrics the Worker pushed (delta temporality). */
const pushes: MetricsPush[] = [];
/** Exports that arrived as protobuf. */
let protobufBodies = 0;
const exported: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: Array<{ key: string; value: Record<string, unknown> }> }> = [];
let client: OpenAI;
let config: Record<string, unknown>;
/** Durable Object storage of the local runtime, kept across a restart of the Worker. */
const persistDir = mkdtempSync(join(tmpdir(), "octoroute-workerd-"));
const KEY_CAPPED = "sk-oct-workerd-capped";
const KEY_LIMITED = "sk-oct-workerd-limited";
const KEY_STREAMER = "sk-oct-workerd-streamer";
/** The capped tenant's daily budget: a few sim-fast answers of at most 20 tokens. */
const CAP_USD = 0.00002;

async function startWorker(): Promise<string> {
  const { unstable_startWorker } = await import("wrangler");
  worker = await unstable_startWorker({
    config: "wrangler.toml",
    // A local D1 database (kept in persistDir) for the usage ledger.
    bindings: { OCTOROUTE_CONFIG: { type: "plain_text", value: JSON.stringify(config) }, OCTOROUTE_DB: { type: "d1", database_id: "octoroute-workerd-test" } as never },
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, remote: false, persist: persistDir, watch: false, logLevel: "error" },
  });
  return (await worker.url).toString();
}

beforeAll(async () => {
  sim = await startSim({ port: 0 });
  collector = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (d: Buffer) => parts.push(d));
    req.on("end", () => {
      // The Worker exports OTLP protobuf (the default protocol).
      const bytes = Buffer.concat(parts);
      protobufBodies += req.headers["content-type"] === "application/x-protobuf" ? 1 : 0;
      if (req.url === "/v1/metrics") pushes.push(decodeMetrics(bytes) as unknown as MetricsPush);
      if (req.url === "/v1/traces") {
        collectorAuth = req.headers.authorization;
        const msg = decodeTraces(bytes) as unknown as { resourceSpans: Array<{ scopeSpans: Array<{ spans: typeof exported }> }> };
        for (const r of msg.resourceSpans) for (const sc of r.scopeSpans) exported.push(...sc.spans);
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => collector.listen(0, "127.0.0.1", r));
  config = baseConfig(sim.url);
  config.telemetry = { otlp: { endpoint: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`, headers: { authorization: "Bearer collector-token" }, metricsIntervalMs: 100 }, sampling: { ratio: 1 } };
  delete config.database; // Node-only; the Workers entry keeps no local database.
  // Short first-byte timeout, so the stall test below is quick (the others answer at once).
  const providers = config.providers as Record<string, { timeouts: Record<string, number> }>;
  providers.sim!.timeouts = { ...providers.sim!.timeouts, firstByteMs: 400 };
  // A trained router whose artifact is named by path, as in the example config (read from the
  // OCTOROUTE_FILES assets, which wrangler.toml uploads from config/).
  (config.routes as Record<string, unknown>).auto = {
    router: { type: "classifier", artifact: "routers/mmlu-classifier.json", labels: { strong: "sim-large", weak: "sim-small" }, quality: 0.3 },
    candidates: ["sim-small", "sim-large"],
    default: "sim-small",
  };
  // A bandit route: its arms and the decisions feedback refers to live in D1.
  (config.routes as Record<string, unknown>).learn = { router: { type: "bandit", algorithm: "thompson", context: [] }, candidates: ["sim-small", "sim-large"] };
  // A model priced only by the catalog, which the Worker bundles (config/prices.yaml).
  config.priceCatalog = "prices.yaml";
  (config.models as Record<string, unknown>)["gpt-4o-mini"] = { provider: "sim", upstreamModel: "sim-small" };
  // Tenants with a budget and a rate limit: counted in the OCTOROUTE_COUNTERS Durable Object.
  const tenants = config.tenants as Record<string, unknown>;
  tenants.capped = { keys: [`sha256:${await sha256Hex(KEY_CAPPED)}`], models: ["*"], budget: { usdPerDay: CAP_USD } };
  tenants.streamer = { keys: [`sha256:${await sha256Hex(KEY_STREAMER)}`], models: ["*"], budget: { usdPerDay: CAP_USD } };
  tenants.limited = { keys: [{ id: "ci", hash: `sha256:${await sha256Hex(KEY_LIMITED)}`, limits: { rpm: 3 } }], models: ["*"] };
  const url = await startWorker();
  client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  await sim?.close();
  collector?.close();
  rmSync(persistDir, { recursive: true, force: true });
});

describe("the gateway under workerd", () => {
  it("completes a chat against the sim", async () => {
    const { data, response } = await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "hello from workerd" }] }).withResponse();
    expect(data.choices[0]!.message.content!.length).toBeGreaterThan(0);
    expect(data.usage!.total_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-octoroute-model")).toBe("sim-small");
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeGreaterThan(0);
    expect(sim.stats.requests).toBeGreaterThan(0);
  });

  it("streams a chat with usage, with the same content as the non-streamed answer", async () => {
    const messages = [{ role: "user" as const, content: "stream from workerd" }];
    const stream = await client.chat.completions.create({ model: "sim-small", messages, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let chunks = 0;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    const plain = await client.chat.completions.create({ model: "sim-small", messages });
    expect(plain.choices[0]!.message.content).toBe(text);
  });

  it("retries a transient upstream fault and enforces tenants, as on Node", async () => {
    const id = `workerd-retry-${Date.now()}`;
    const res = await client.chat.completions.create(
      { model: "sim-fast", messages: [{ role: "user", content: "retry me" }] },
      { headers: { "x-sim-fault": "503;times=1", "x-request-id": id } },
    );
    expect(res.choices.length).toBe(1);
    expect(sim.stats.seen.filter((s) => s === id)).toHaveLength(2);
    const other = new OpenAI({ apiKey: KEY_B, baseURL: client.baseURL, maxRetries: 0 });
    await expect(other.chat.completions.create({ model: "sim-large", messages: [{ role: "user", content: "no" }] })).rejects.toMatchObject({ status: 403 });
  });

  it("times a stalled upstream out on every request, not only the first (timers outlive no request)", async () => {
    for (let i = 0; i < 2; i++) {
      const started = Date.now();
      const err = await client.chat.completions
        .create({ model: "sim-fast", messages: [{ role: "user", content: `stall ${i}` }] }, { headers: { "x-sim-fault": "stall;ms=60000" } })
        .then(() => undefined, (e: unknown) => e as { status?: number; code?: string });
      expect(err).toMatchObject({ status: 504, code: "upstream_timeout_first_byte" });
      // Three attempts of 400 ms and backoff between them: well under the stall.
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  }, 30_000);

  it("routes with a trained classifier whose artifact is a path (read from the assets binding)", async () => {
    const hard = "Prove that the set of prime numbers is infinite, and derive a bound on the n-th prime from your argument.";
    const { data, response } = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: hard }] }).withResponse();
    expect(response.headers.get("x-octoroute-route")).toBe("auto");
    expect(response.headers.get("x-octoroute-route-reason")).toMatch(/^classifier: /);
    expect(["sim-small", "sim-large"]).toContain(data.model);
    // The artifact is not served to clients.
    const leak = await fetch(new URL("/routers/mmlu-classifier.json", client.baseURL.replace(/\/v1$/, "")));
    expect(leak.status).not.toBe(200);
  });

  it("prices a model from the bundled price catalog (there are no files at the edge)", async () => {
    const { data, response } = await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "priced by the catalog" }] }).withResponse();
    const expected = (data.usage!.prompt_tokens * 0.15 + data.usage!.completion_tokens * 0.6) / 1e6;
    expect(Number(response.headers.get("x-octoroute-cost-usd"))).toBeCloseTo(expected, 12);
  });

  it("exports OTLP spans with the GenAI attributes and parent/child links, streamed requests included", async () => {
    const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const { response } = await client.chat.completions
      .create({ model: "sim-small", messages: [{ role: "user", content: "traced at the edge" }] }, { headers: { traceparent: `00-${callerTrace}-${callerSpan}-01` } })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    const stream = await client.chat.completions.create({ model: "sim-fast", messages: [{ role: "user", content: "streamed and traced" }], stream: true }, { headers: { "x-request-id": `edge-stream-${Date.now()}` } });
    for await (const _ of stream) void _;
    const attr = (span: (typeof exported)[number], key: string) => span.attributes.find((a) => a.key === key)?.value;
    const findRoot = (id: string) => exported.find((s) => s.kind === 2 && attr(s, "octoroute.request_id")?.stringValue === id);
    const deadline = Date.now() + 10_000;
    while ((!findRoot(requestId) || !exported.some((s) => s.kind === 2 && String(attr(s, "octoroute.request_id")?.stringValue).startsWith("edge-stream-"))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const root = findRoot(requestId)!;
    expect(root).toBeDefined();
    expect(root.traceId).toBe(callerTrace);
    expect(root.parentSpanId).toBe(callerSpan);
    expect(attr(root, "gen_ai.operation.name")).toEqual({ stringValue: "chat" });
    const child = exported.find((s) => s.kind === 3 && s.parentSpanId === root.spanId)!;
    expect(child.traceId).toBe(callerTrace);
    expect(attr(child, "gen_ai.request.model")).toEqual({ stringValue: "sim-small" });
    expect(Number(attr(child, "gen_ai.usage.output_tokens")?.intValue)).toBeGreaterThan(0);
    const streamed = exported.find((s) => s.kind === 2 && String(attr(s, "octoroute.request_id")?.stringValue).startsWith("edge-stream-"));
    expect(streamed).toBeDefined();
    // The configured export headers go with it; no prompt text and no key in any span.
    expect(collectorAuth).toBe("Bearer collector-token");
    const text = JSON.stringify(exported);
    expect(text).not.toContain("traced at the edge");
    expect(text).not.toContain(KEY_A);
  }, 30_000);

  it("pushes delta metrics: every call counted once across pushes, each isolate its own instance", async () => {
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 150));
      await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `metered ${i}` }] });
    }
    // The last request came after the interval, so its push holds everything counted before it.
    const deadline = Date.now() + 5000;
    const calls = () => {
      let n = 0;
      for (const p of pushes)
        for (const rm of p.resourceMetrics)
          for (const sm of rm.scopeMetrics)
            for (const m of sm.metrics) {
              if (m.name !== "gen_ai.client.token.usage") continue;
              expect(m.histogram!.aggregationTemporality).toBe(1); // DELTA
              for (const dp of m.histogram!.dataPoints) {
                const attr = (k: string) => dp.attributes.find((a) => a.key === k)?.value.stringValue;
                if (attr("gen_ai.request.model") === "gpt-4o-mini" && attr("gen_ai.token.type") === "input") n += Number(dp.count);
              }
            }
      return n;
    };
    while (calls() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // One call from the pricing test above and two here: each counted exactly once.
    expect(calls()).toBe(3);
    const instance = pushes[0]!.resourceMetrics[0]!.resource.attributes.find((a) => a.key === "service.instance.id")?.value.stringValue;
    expect(instance).toMatch(/^[0-9a-f]{16}$/);
    expect(protobufBodies).toBeGreaterThan(1);
  }, 30_000);

  it("lists models with the tenant's key", async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain("sim-small");
  });
});

describe("budgets and rate limits under workerd (Durable Object counters)", () => {
  const ask = (key: string, content: string) =>
    new OpenAI({ apiKey: key, baseURL: client.baseURL, maxRetries: 0, timeout: 20_000 }).chat.completions
      .create({ model: "sim-fast", messages: [{ role: "user", content }], max_tokens: 20 })
      .withResponse()
      .then(
        ({ response }) => ({ status: 200, cost: Number(response.headers.get("x-octoroute-cost-usd")), code: undefined as string | undefined, retryAfter: null as string | null, remaining: response.headers.get("x-ratelimit-remaining-requests") }),
        (e: { status?: number; code?: string; headers?: Headers }) => ({ status: e.status ?? 0, cost: 0, code: e.code, retryAfter: e.headers?.get("retry-after") ?? null, remaining: null as string | null }),
      );

  it("holds a nearly spent budget under 20 concurrent requests, then refuses with budget_exceeded", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(KEY_CAPPED, `concurrent ${i}`)));
    const served = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(served.length + refused.length).toBe(20);
    expect(served.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.code === "budget_exceeded" && Number(r.retryAfter) >= 1)).toBe(true);
    // Reservations are worst cases; settled answers cost less, so a few more may fit afterwards.
    // One at a time until refused: the budget must refuse within a handful.
    let last: Awaited<ReturnType<typeof ask>> | undefined;
    for (let i = 0; i < 10 && last?.status !== 429; i++) {
      last = await ask(KEY_CAPPED, `one more ${i}`);
      if (last.status === 200) served.push(last);
    }
    expect(last?.code).toBe("budget_exceeded");
    // Counted per isolate, all 20 would pass (~20 × 3e-6 USD); counted in one object, spend stays
    // within the budget plus one request's reservation (its worst case is under 1e-5 USD here).
    const spent = served.reduce((t, r) => t + r.cost, 0);
    expect(spent).toBeLessThanOrEqual(CAP_USD + 1e-5);
  }, 60_000);

  it("applies a key's requests-per-minute limit with Retry-After", async () => {
    const first = [];
    for (let i = 0; i < 3; i++) first.push(await ask(KEY_LIMITED, `limited ${i}`));
    expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
    // The object reports the key's standing as OpenAI's rate-limit headers.
    expect(first.map((r) => r.remaining)).toEqual(["2", "1", "0"]);
    const fourth = await ask(KEY_LIMITED, "limited 3");
    expect(fourth).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect(Number(fourth.retryAfter)).toBeGreaterThanOrEqual(1);
    // Another tenant is not affected.
    expect((await ask(KEY_A, "unlimited")).status).toBe(200);
  }, 60_000);

  it("counts streamed answers when their stream ends", async () => {
    const streamer = new OpenAI({ apiKey: KEY_STREAMER, baseURL: client.baseURL, maxRetries: 0, timeout: 20_000 });
    let served = 0;
    let refusal: { status?: number; code?: string } | undefined;
    for (let i = 0; i < 30 && !refusal; i++) {
      try {
        const stream = await streamer.chat.completions.create({ model: "sim-fast", messages: [{ role: "user", content: `stream ${i}` }], max_tokens: 20, stream: true, stream_options: { include_usage: true } });
        for await (const _ of stream) void _;
        served++;
      } catch (e) {
        refusal = e as { status?: number; code?: string };
      }
    }
    expect(refusal).toMatchObject({ status: 429, code: "budget_exceeded" });
    expect(served).toBeGreaterThan(1);
  }, 60_000);

  it("keeps spend across a restart of the Worker (stored in the object)", async () => {
    await worker.dispose();
    const url = await startWorker();
    client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
    // Spend is settled into storage (streamed answers included); reservations are not stored.
    expect((await ask(KEY_CAPPED, "after restart")).code).toBe("budget_exceeded");
    expect((await ask(KEY_STREAMER, "after restart")).code).toBe("budget_exceeded");
    expect((await ask(KEY_A, "after restart")).status).toBe(200);
  }, 120_000);

  it("counts what a tenant without a budget spends (plain and streamed), so a budget given later starts from it", async () => {
    // team-a has no budget and no limit: its requests skip the object before the upstream call and
    // send their spend after it, handed to the request's waitUntil.
    expect((await ask(KEY_A, "no budget, plain")).status).toBe(200);
    const stream = await client.chat.completions.create({ model: "sim-fast", messages: [{ role: "user", content: "no budget, streamed" }], max_tokens: 20, stream: true, stream_options: { include_usage: true } });
    for await (const _ of stream) void _;
    // Today's spend of team-a, from the ledger; wait until the last request's row is there.
    const today = new Date().toISOString().slice(0, 10);
    const spentToday = async () => {
      const res = await fetch(new URL(`/v1/usage?group_by=tenant&from=${today}`, client.baseURL.replace(/\/v1$/, "")), { headers: { authorization: `Bearer ${KEY_A}` } });
      return ((await res.json()) as { totals: { requests: number; cost_usd: number } }).totals;
    };
    let before = await spentToday();
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const now = await spentToday();
      if (now.requests === before.requests && i >= 5) break;
      before = now;
    }
    expect(before.cost_usd).toBeGreaterThan(0);
    // Room for about half of one more request: refused only if the object has all of that spend.
    const originalTenant = structuredClone((config.tenants as Record<string, Record<string, unknown>>)["team-a"]!);
    (config.tenants as Record<string, Record<string, unknown>>)["team-a"]!.budget = { usdPerDay: before.cost_usd + 2e-6 };
    try {
      await worker.dispose();
      const url = await startWorker();
      client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
      expect((await ask(KEY_A, "with the new budget")).code).toBe("budget_exceeded");
    } finally {
      (config.tenants as Record<string, Record<string, unknown>>)["team-a"] = originalTenant;
      await worker.dispose();
      const url = await startWorker();
      client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
    }
    expect((await ask(KEY_A, "without it again")).status).toBe(200);
  }, 120_000);
});

describe("usage ledger under workerd (D1)", () => {
  const usage = async (key: string, query: string) => {
    const res = await fetch(new URL(`/v1/usage?${query}`, client.baseURL.replace(/\/v1$/, "")), { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as { totals: { requests: number; cost_usd: number; input_tokens: number; output_tokens: number }; data: Array<{ group: Record<string, string>; requests: number; cost_usd: number }> } };
  };

  it("writes a row per request, serves /v1/usage from it, and keeps tenants apart", async () => {
    const before = (await usage(KEY_B, "group_by=tenant")).body.totals;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        new OpenAI({ apiKey: KEY_B, baseURL: client.baseURL, maxRetries: 0 }).chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: `ledger ${i}` }] }).withResponse(),
      ),
    );
    const cost = results.reduce((t, r) => t + Number(r.response.headers.get("x-octoroute-cost-usd")), 0);
    const tokens = results.reduce((t, r) => t + r.data.usage!.prompt_tokens, 0);
    // Rows are written after each response; wait until all five are there.
    let after = before;
    for (let i = 0; i < 50 && after.requests < before.requests + 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = (await usage(KEY_B, "group_by=tenant")).body.totals;
    }
    expect(after.requests - before.requests).toBe(5);
    expect(after.cost_usd - before.cost_usd).toBeCloseTo(cost, 9);
    expect(after.input_tokens - before.input_tokens).toBe(tokens);
    // A tenant key sees only its own tenant; another tenant's is refused.
    const own = await usage(KEY_B, "group_by=tenant");
    expect(own.body.data.map((g) => g.group.tenant)).toEqual(["team-b"]);
    expect((await usage(KEY_B, "tenant=team-a")).status).toBe(403);
    // team-a's own view has its requests from the tests above, and none of team-b's.
    const a = await usage(KEY_A, "group_by=tenant");
    expect(a.body.data.map((g) => g.group.tenant)).toEqual(["team-a"]);
    expect(a.body.totals.requests).toBeGreaterThan(0);
    // The dashboard comes with the ledger: its page and Chart.js are served from the bundle.
    const base = client.baseURL.replace(/\/v1$/, "");
    const page = await fetch(`${base}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain("dashboard.js");
    const chart = await fetch(`${base}/dashboard/assets/chart.umd.min.js`);
    expect(chart.status).toBe(200);
    expect((await chart.text()).length).toBeGreaterThan(100_000);
    // The admin key sees every tenant, and the groups add up to the total.
    const all = await usage(ADMIN_KEY, "group_by=tenant");
    expect(all.body.data.map((g) => g.group.tenant)).toEqual(expect.arrayContaining(["team-a", "team-b", "capped", "limited", "streamer"]));
    expect(all.body.data.reduce((t, g) => t + g.requests, 0)).toBe(all.body.totals.requests);
  }, 30_000);
});

describe.skipIf(!BROWSER_TESTS)("the dashboard served by the Worker, in headless Chromium", () => {
  it("signs in and shows the same totals as the usage API", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, reducedMotion: "reduce" });
      const problems: string[] = [];
      page.on("pageerror", (e) => void problems.push(e.message));
      const base = client.baseURL.replace(/\/v1$/, "");
      await page.goto(`${base}/dashboard`);
      await page.fill("#key", ADMIN_KEY);
      await page.click("#signin-form button[type=submit]");
      await page.waitForSelector("body[data-state=ready]", { timeout: 15_000 });
      const from = Number(await page.getAttribute("body", "data-from"));
      const to = Number(await page.getAttribute("body", "data-to"));
      const res = await fetch(`${base}/v1/usage?from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      const totals = ((await res.json()) as { totals: { requests: number; cost_usd: number } }).totals;
      expect(totals.requests).toBeGreaterThan(0);
      expect(Number(await page.getAttribute('[data-kpi="requests"]', "data-value"))).toBe(totals.requests);
      expect(Number(await page.getAttribute('[data-kpi="cost_usd"]', "data-value"))).toBe(totals.cost_usd);
      mkdirSync(join(process.cwd(), "test-output"), { recursive: true });
      await page.screenshot({ path: join(process.cwd(), "test-output", "dashboard-workers.png"), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe("stored responses under workerd (D1)", () => {
  it("continues a conversation after a restart of the Worker, per tenant", async () => {
    const first = await client.responses.create({ model: "sim-small", input: "My name is Ada and I like graphs.", store: true });
    await worker.dispose();
    const url = await startWorker();
    client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
    // A new isolate has none of it in memory: the conversation comes from D1.
    expect((await client.responses.retrieve(first.id)).id).toBe(first.id);
    const second = await client.responses.create({ model: "sim-small", input: "What is my name?", previous_response_id: first.id });
    const items = await client.responses.inputItems.list(second.id);
    expect(JSON.stringify(items.data)).toContain("My name is Ada");
    // Another tenant's key finds nothing; deleting removes it.
    const other = new OpenAI({ apiKey: KEY_B, baseURL: client.baseURL, maxRetries: 0 });
    await expect(other.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
    await client.responses.delete(first.id);
    await expect(client.responses.retrieve(first.id)).rejects.toMatchObject({ status: 404 });
  }, 120_000);
});

describe("bandit routes under workerd (D1)", () => {
  it("takes feedback in another isolate than the request, once, and learns from it", async () => {
    const base = () => client.baseURL.replace(/\/v1$/, "");
    const chosen: Array<{ id: string; node: string }> = [];
    for (let i = 0; i < 8; i++) {
      const id = `edge-bandit-${Date.now()}-${i}`;
      const { response } = await client.chat.completions.create({ model: "learn", messages: [{ role: "user", content: `learn ${i}` }] }, { headers: { "x-request-id": id } }).withResponse();
      chosen.push({ id, node: response.headers.get("x-octoroute-model")! });
    }
    await worker.dispose();
    const url = await startWorker();
    client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
    const feedback = (request_id: string) => fetch(`${base()}/v1/feedback`, { method: "POST", headers: { authorization: `Bearer ${KEY_A}`, "content-type": "application/json" }, body: JSON.stringify({ request_id, score: 1 }) });
    for (const c of chosen) expect((await feedback(c.id)).status).toBe(200);
    expect((await feedback(chosen[0]!.id)).status).toBe(404);
    // The next decision's reason counts the feedback its node received: all of it came from D1.
    const { response } = await client.chat.completions.create({ model: "learn", messages: [{ role: "user", content: "learn again" }] }).withResponse();
    const node = response.headers.get("x-octoroute-model")!;
    const count = Number(/feedback (\d+)/.exec(response.headers.get("x-octoroute-route-reason") ?? "")?.[1]);
    expect(count).toBe(chosen.filter((c) => c.node === node).length);
  }, 120_000);
});

describe("a Worker without the counters and files bindings", () => {
  /** Starts the entry under a wrangler.toml with neither binding and returns its answer to one request. */
  async function answerWithout(cfg: Record<string, unknown>): Promise<{ status: number; code: string; message: string }> {
    // wrangler.toml without its Durable Object and assets: the same entry and text rules.
    const dir = mkdtempSync(join(tmpdir(), "octoroute-workerd-bare-"));
    const toml = join(dir, "wrangler.toml");
    writeFileSync(
      toml,
      [
        `name = "octoroute-bare"`,
        `main = ${JSON.stringify(resolve("src/worker.ts"))}`,
        `compatibility_date = "2025-09-01"`,
        `compatibility_flags = ["nodejs_compat"]`,
        `[alias]`,
        `"octoroute-dashboard-assets" = ${JSON.stringify(resolve(".edge-build/dashboard-assets.mjs"))}`,
        `[[rules]]`,
        `type = "Text"`,
        `globs = ["**/*.yaml"]`,
        `fallthrough = true`,
      ].join("\n"),
    );
    const { unstable_startWorker } = await import("wrangler");
    const bare = await unstable_startWorker({
      config: toml,
      bindings: { OCTOROUTE_CONFIG: { type: "plain_text", value: JSON.stringify(cfg) } },
      dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, remote: false, persist: false, watch: false, logLevel: "error" },
    });
    try {
      const res = await fetch(new URL("/v1/models", await bare.url), { headers: { authorization: `Bearer ${KEY_A}` } });
      const body = (await res.json()) as { error: { code: string; message: string } };
      return { status: res.status, ...body.error };
    } finally {
      await bare.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("refuses a config with budgets (500 config_error naming the binding) instead of serving it unchecked", async () => {
    const { auto: _, ...routes } = config.routes as Record<string, unknown>;
    const answer = await answerWithout({ ...config, routes });
    expect(answer).toMatchObject({ status: 500, code: "config_error" });
    expect(answer.message).toContain("OCTOROUTE_COUNTERS");
  }, 120_000);

  it("refuses a route whose artifact is a path it cannot read, naming the route and the binding", async () => {
    const tenants = Object.fromEntries(Object.entries(config.tenants as Record<string, unknown>).filter(([t]) => t.startsWith("team-")));
    const answer = await answerWithout({ ...config, tenants });
    expect(answer).toMatchObject({ status: 500, code: "config_error" });
    expect(answer.message).toContain("routes.auto.router.artifact");
    expect(answer.message).toContain("OCTOROUTE_FILES");
  }, 120_000);
});
