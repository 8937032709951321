/**
 * Hot reload of routes under load: requests (plain and streamed) keep flowing while the config
 * file changes the route from a rules router to a classifier whose artifact path is relative to
 * the config file; no request fails, requests that started before the swap finish on the old
 * plan, later ones use the new one, and a reload with a broken artifact keeps the old routes.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as train } from "../src/cli/router-train.js";
import { type RunningGateway, startGateway } from "../src/node.js";
import { DEFAULT_SIM_MODELS, type SimServer, startSim } from "../src/sim/server.js";
import { baseConfig, KEY_A } from "./helpers/stack.js";

let sim: SimServer;
let gw: RunningGateway;
const dir = mkdtempSync(join(tmpdir(), "octoroute-reload-"));
const configPath = join(dir, "octoroute.json");

function writeConfig(auto: unknown): void {
  const cfg = baseConfig(sim.url) as Record<string, unknown>;
  cfg.routes = { fast: { model: "sim-fast" }, auto };
  writeFileSync(configPath, JSON.stringify(cfg));
}

const RULES = { router: { type: "rules", rules: [{ when: { field: "meta.tier", eq: "gold" }, node: "sim-large" }] }, default: "sim-small" };
const CLASSIFIER = { router: { type: "classifier", artifact: "routers/clf.json", labels: { strong: "sim-large", weak: "sim-small" }, threshold: -2 }, candidates: ["sim-small", "sim-large"] };

beforeAll(async () => {
  sim = await startSim({ port: 0, models: DEFAULT_SIM_MODELS.map((m) => (m.name === "sim-small" ? { ...m, ttftMs: 30, tokensPerSecond: 300 } : m)) });
  const log = console.log;
  console.log = () => {};
  try {
    await train(["--data", join(import.meta.dirname, "fixtures/routing/tiny-pair.jsonl"), "--out", join(dir, "routers/clf.json"), "--epochs", "40"]);
  } finally {
    console.log = log;
  }
  writeConfig(RULES);
  gw = await startGateway({ config: configPath, port: 0, log: () => {} });
});
afterAll(async () => {
  await gw?.close();
  await sim?.close();
});

describe("route reload under load", () => {
  it("swaps routes atomically and loses no request", async () => {
    const client = new OpenAI({ apiKey: KEY_A, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const seen: Array<{ node: string | null; startedGen: number; ok: boolean }> = [];
    let stop = false;
    let swappedAt = Infinity;
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const startedGen = gw.runtime().generation;
        const started = Date.now();
        try {
          if ((w + i) % 2 === 0) {
            const { response } = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: `q ${w}/${i}` }] }).withResponse();
            seen.push({ node: response.headers.get("x-octoroute-model"), startedGen: started < swappedAt ? startedGen : -1, ok: true });
          } else {
            const { data: stream, response } = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: `s ${w}/${i}` }], stream: true }).withResponse();
            let text = "";
            for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
            seen.push({ node: response.headers.get("x-octoroute-model"), startedGen: started < swappedAt ? startedGen : -1, ok: text.length > 0 });
          }
        } catch {
          seen.push({ node: null, startedGen, ok: false });
        }
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 800));
    const before = gw.runtime().generation;
    writeConfig(CLASSIFIER);
    expect(gw.reload()).toBeNull();
    swappedAt = Date.now();
    expect(gw.runtime().generation).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 800));
    stop = true;
    await Promise.all(workers);

    expect(seen.length).toBeGreaterThanOrEqual(12);
    expect(seen.filter((s) => !s.ok)).toEqual([]);
    // Before the swap the rules route answered with its default; after it, the classifier (threshold −2 → strong).
    expect(seen.some((s) => s.node === "sim-small")).toBe(true);
    const after = seen.filter((s) => s.startedGen === -1);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((s) => s.node === "sim-large")).toBe(true);
  });

  it("keeps the previous routes when the new config's artifact is broken", async () => {
    const gen = gw.runtime().generation;
    writeConfig({ ...CLASSIFIER, router: { ...CLASSIFIER.router, artifact: "routers/missing.json" } });
    const err = gw.reload();
    expect(err?.message).toContain("routes.auto.router.artifact");
    expect(gw.runtime().generation).toBe(gen);
    writeFileSync(join(dir, "routers/bad.json"), JSON.stringify({ kind: "octoroute-router", version: 1, router: "classifier", pair: true, labels: ["strong", "weak"], dims: 64, weights: [] }));
    writeConfig({ ...CLASSIFIER, router: { ...CLASSIFIER.router, artifact: "routers/bad.json" } });
    expect(gw.reload()?.message).toContain("weight row");
    expect(gw.runtime().generation).toBe(gen);
    const client = new OpenAI({ apiKey: KEY_A, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const { response } = await client.chat.completions.create({ model: "auto", messages: [{ role: "user", content: "still fine" }] }).withResponse();
    expect(response.headers.get("x-octoroute-model")).toBe("sim-large");
  });
});
