/**
 * The price catalog and cost formula: models refer to `prices.yaml` by catalog or upstream name,
 * their own `price` overrides it, cached and cache-write tokens and per-request fees are billed at
 * their rates, and a model without a price costs `null` with a warning counter — never 0.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/loader.js";
import { loadConfigFile, loadPriceCatalog } from "../src/node/config-file.js";
import { type RunningGateway, startGateway } from "../src/node.js";
import { type SimServer, startSim } from "../src/sim/server.js";
import { parsePriceCatalog } from "../src/telemetry/price-catalog.js";
import { costOf, pricingWarnings, worstCaseCost } from "../src/telemetry/pricing.js";
import { KEY_A } from "./helpers/stack.js";

describe("cost formula", () => {
  const price = { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 };

  it("bills uncached input, cached reads, cache writes and output at their own rates", () => {
    // 1000 prompt tokens of which 600 cached reads and 100 cache writes; 200 output tokens.
    const cost = costOf(price, { inputTokens: 1000, cachedTokens: 600, cacheWriteTokens: 100, outputTokens: 200 });
    expect(cost).toBeCloseTo((300 * 3 + 600 * 0.3 + 100 * 3.75 + 200 * 15) / 1e6, 12);
  });

  it("falls back to the input rate when a cached rate is missing, and adds per-request fees", () => {
    expect(costOf({ input: 1, output: 2, perRequest: 0.005 }, { inputTokens: 10, cachedTokens: 4, cacheWriteTokens: 0, outputTokens: 5 })).toBeCloseTo((10 * 1 + 5 * 2) / 1e6 + 0.005, 12);
  });

  it("is null, not 0, without a price", () => {
    expect(costOf(undefined, { inputTokens: 10, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 5 })).toBeNull();
  });

  it("reserves the worst case: every token uncached, every output token used, on every call", () => {
    expect(worstCaseCost(price, 100, 50, 3)).toBeCloseTo(((100 * 3.75 + 50 * 15) / 1e6) * 3, 12);
    expect(worstCaseCost(undefined, 100, 50)).toBe(0);
  });
});

describe("price catalog file", () => {
  it("rejects a bad entry naming it", () => {
    expect(() => parsePriceCatalog({ models: { "gpt-x": { input: 1 } } })).toThrow(/models\.gpt-x\.output/);
    expect(() => parsePriceCatalog({ models: { "gpt-x": { input: -1, output: 1 } } })).toThrow(/models\.gpt-x\.input/);
  });

  it("the shipped catalog parses", () => {
    const cfg = loadConfigFile("config/octoroute.example.yaml", { ...process.env, PORT: "0" });
    const prices = loadPriceCatalog(cfg, "config/octoroute.example.yaml");
    expect(prices["gpt-4o-mini"]).toMatchObject({ input: 0.15, output: 0.6 });
  });
});

describe("catalog prices end to end", () => {
  let sim: SimServer;
  let gw: RunningGateway;
  let client: OpenAI;
  let dir: string;

  beforeAll(async () => {
    sim = await startSim({ port: 0 });
    dir = mkdtempSync(join(tmpdir(), "octoroute-prices-"));
    writeFileSync(join(dir, "prices.yaml"), "models:\n  sim-cat: { input: 1.5, output: 4 }\n  gpt-4o-mini: { input: 0.15, output: 0.6 }\n  sim-own: { input: 100, output: 100 }\n");
    writeFileSync(
      join(dir, "octoroute.yaml"),
      `server: { port: 0 }
database: { path: ${join(dir, "db.sqlite")} }
priceCatalog: prices.yaml
providers:
  sim: { type: openai, preset: sim, baseUrl: "${sim.url}" }
models:
  sim-cat: { provider: sim }
  sim-up: { provider: sim, upstreamModel: gpt-4o-mini }
  sim-own: { provider: sim, price: { input: 2, output: 3 } }
  sim-none: { provider: sim }
tenants:
  team-a: { keys: ["sha256:189918722f78aa6e69f3580c2c86bd6ad87083098138a997336248dc9c45c846"], models: ["*"] }
`,
    );
    gw = await startGateway({ config: join(dir, "octoroute.yaml"), port: 0, log: () => {} });
    client = new OpenAI({ apiKey: KEY_A, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw?.close();
    await sim?.close();
  });

  async function billed(model: string): Promise<{ header: string | null; expected: (input: number, output: number) => number }> {
    const { data, response } = await client.chat.completions.create({ model, messages: [{ role: "user", content: `price of ${model}` }] }).withResponse();
    return { header: response.headers.get("x-octoroute-cost-usd"), expected: (i, o) => (data.usage!.prompt_tokens * i + data.usage!.completion_tokens * o) / 1e6 };
  }

  it("looks a model up by catalog name, then by upstream name; its own price wins", async () => {
    const cat = await billed("sim-cat");
    expect(Number(cat.header)).toBeCloseTo(cat.expected(1.5, 4), 12);
    const up = await billed("sim-up");
    expect(Number(up.header)).toBeCloseTo(up.expected(0.15, 0.6), 12);
    const own = await billed("sim-own");
    expect(Number(own.header)).toBeCloseTo(own.expected(2, 3), 12);
  });

  it("reports an unknown price as unknown, stores null and counts a warning", async () => {
    const before = pricingWarnings.unpricedCalls.get("sim-none") ?? 0;
    const none = await billed("sim-none");
    expect(none.header).toBe("unknown");
    expect(pricingWarnings.unpricedCalls.get("sim-none")).toBe(before + 1);
    const now = Date.now();
    const [g] = await gw.accounting!.ledger!.usage({ from: now - 60_000, to: now + 1000, groupBy: ["model"], tenant: "team-a" }).then((gs) => gs.filter((x) => x.group.model === "sim-none"));
    expect(g).toMatchObject({ requests: 1, unpricedRequests: 1, costUsd: 0 });
  });

  it("fails at start on a malformed catalog, naming the entry", () => {
    writeFileSync(join(dir, "prices.yaml"), "models:\n  sim-cat: { input: 1.5 }\n");
    const cfg = loadConfigFile(join(dir, "octoroute.yaml"));
    expect(() => loadPriceCatalog(cfg, join(dir, "octoroute.yaml"))).toThrow(ConfigError);
    expect(() => loadPriceCatalog(cfg, join(dir, "octoroute.yaml"))).toThrow(/sim-cat\.output/);
  });
});
