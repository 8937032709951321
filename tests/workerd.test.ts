/**
 * The same app on the Workers runtime: `src/worker.ts` is bundled by wrangler and run under
 * workerd (wrangler's `unstable_startWorker`, local mode, nothing fetched from the internet), with
 * the gateway config in the `OCTOROUTE_CONFIG` binding pointing at a sim on loopback. The official
 * SDK then chats through it, streamed and not — proof that nothing reachable from `src/app.ts`
 * needs Node.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimServer, startSim } from "../src/sim/server.js";
import { baseConfig, KEY_A, KEY_B } from "./helpers/stack.js";

// Wrangler must never phone home from a test.
process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_LOG ??= "error";

type Worker = Awaited<ReturnType<typeof import("wrangler").unstable_startWorker>>;

let sim: SimServer;
let worker: Worker;
let client: OpenAI;

beforeAll(async () => {
  sim = await startSim({ port: 0 });
  const config = baseConfig(sim.url);
  delete config.database; // Node-only; the Workers entry keeps no local database.
  // Short first-byte timeout, so the stall test below is quick (the others answer at once).
  const providers = config.providers as Record<string, { timeouts: Record<string, number> }>;
  providers.sim!.timeouts = { ...providers.sim!.timeouts, firstByteMs: 400 };
  const { unstable_startWorker } = await import("wrangler");
  worker = await unstable_startWorker({
    config: "wrangler.toml",
    bindings: { OCTOROUTE_CONFIG: { type: "plain_text", value: JSON.stringify(config) } },
    dev: { server: { hostname: "127.0.0.1", port: 0 }, inspector: false, remote: false, persist: false, watch: false, logLevel: "error" },
  });
  const url = await worker.url;
  client = new OpenAI({ apiKey: KEY_A, baseURL: new URL("/v1", url).toString(), maxRetries: 0, timeout: 20_000 });
}, 120_000);

afterAll(async () => {
  await worker?.dispose();
  await sim?.close();
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

  it("lists models with the tenant's key", async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toContain("sim-small");
  });
});
