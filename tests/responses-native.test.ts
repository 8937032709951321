/**
 * Native pass-through: a model whose provider declares `capabilities.responses` gets the
 * Responses request as is. The native upstream here is a second gateway (which serves
 * `/v1/responses` by translation in front of its own sim), so both ends are real code. Checks
 * that the call is metered as a `responses` operation with the upstream's usage, that ids are the
 * gateway's own, and that conversation state stays at the gateway (the upstream gets `store:
 * false` and the whole conversation, never a previous id).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { openDatabase } from "../src/node/database.js";
import { KEY_A, type Stack, startStack } from "./helpers/stack.js";

let upstream: Stack;
let gateway: Stack;

/** Adds a model served natively by `upstreamStack`'s `/v1/responses`. */
function nativeModel(cfg: Record<string, unknown>, upstreamStack: Stack): void {
  (cfg.providers as Record<string, unknown>).native = { type: "openai", baseUrl: upstreamStack.baseURL, apiKey: KEY_A, retry: { maxAttempts: 1 } };
  (cfg.models as Record<string, unknown>)["native-small"] = {
    provider: "native",
    upstreamModel: "sim-small",
    price: { input: 0.15, output: 0.6 },
    capabilities: { responses: true },
  };
}
const upstreamSummaries: RequestSummary[] = [];
const summaries: RequestSummary[] = [];

beforeAll(async () => {
  upstream = await startStack({ hooks: { onRequestEnd: (s) => upstreamSummaries.push(s) } });
  gateway = await startStack({
    hooks: { onRequestEnd: (s) => summaries.push(s) },
    patch: (cfg) => nativeModel(cfg, upstream),
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstreamSummaries.length = 0;
  summaries.length = 0;
  upstream.sim.resetStats();
});

describe("native Responses pass-through", () => {
  it("passes the request through, metered as a responses call with the upstream's usage", async () => {
    const r = await gateway.client().responses.create({ model: "native-small", input: "hello native", instructions: "Be brief.", metadata: { k: "v" } });
    expect(r.output_text.length).toBeGreaterThan(0);
    // The upstream served it on its Responses endpoint, not chat.
    expect(upstreamSummaries.map((s) => s.endpoint)).toEqual(["responses"]);
    const record = summaries[0]!.records[0]!;
    expect(record.operation).toBe("responses");
    expect(record.model).toBe("native-small");
    expect(record.inputTokens).toBe(upstream.sim.stats.promptTokens);
    expect(record.outputTokens).toBe(upstream.sim.stats.completionTokens);
    expect(r.usage!.input_tokens).toBe(record.inputTokens);
    expect(r.usage!.output_tokens).toBe(record.outputTokens);
    expect(r.metadata).toEqual({ k: "v" });
    // The same request translated by the upstream gateway gives the same answer.
    const direct = await upstream.client().responses.create({ model: "sim-small", input: "hello native", instructions: "Be brief." });
    expect(direct.output_text).toBe(r.output_text);
    expect(direct.id).not.toBe(r.id);
  });

  it("keeps conversation state at the gateway: the upstream stores nothing and never sees a previous id", async () => {
    const client = gateway.client();
    // Rows in the upstream's store; its writes are batched within a few ms, so let any pending batch (its timer is due first) land.
    const storedUpstream = async () => {
      await new Promise((r) => setTimeout(r, 30));
      return (openDatabase(upstream.config.database.path).get("SELECT count(*) AS n FROM responses") as { n: number }).n;
    };
    const before = await storedUpstream();
    const r1 = await client.responses.create({ model: "native-small", input: "first turn" });
    const r2 = await client.responses.create({ model: "native-small", previous_response_id: r1.id, input: "second turn" });
    expect(await storedUpstream()).toBe(before);
    expect((await client.responses.retrieve(r2.id)).output_text).toBe(r2.output_text);
    // The upstream answered the second turn from the explicit conversation it was sent.
    const direct = await upstream.client().responses.create({
      model: "sim-small",
      input: [
        { role: "user", content: "first turn" },
        { role: "assistant", content: r1.output_text },
        { role: "user", content: "second turn" },
      ],
    });
    expect(r2.output_text).toBe(direct.output_text);
    expect(r2.usage!.input_tokens).toBe(direct.usage!.input_tokens);
    expect(await storedUpstream()).toBe(before + 1);
  });

  it("streams by translation through chat (the provider contract has no raw stream)", async () => {
    const stream = await gateway.client().responses.create({ model: "native-small", input: "stream it", stream: true });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types.at(-1)).toBe("response.completed");
    expect(upstreamSummaries.map((s) => s.endpoint)).toEqual(["chat"]);
  });

  it("applies the tenant's budget before any upstream call, natively and translated", async () => {
    const poor = await startStack({
      patch: (cfg) => {
        nativeModel(cfg, upstream);
        (cfg.tenants as Record<string, Record<string, unknown>>)["team-a"]!.budget = { usdPerDay: 0.000001 };
      },
    });
    try {
      for (const model of ["native-small", "sim-small"]) {
        await expect(poor.client().responses.create({ model, input: "too expensive", max_output_tokens: 1000 })).rejects.toMatchObject({ status: 429, code: "budget_exceeded" });
      }
      expect(upstreamSummaries).toHaveLength(0);
      expect(poor.sim.stats.requests).toBe(0);
    } finally {
      await poor.close();
    }
  });
});
