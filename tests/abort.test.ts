/**
 * A client that disconnects aborts the upstream request: the sim must see the cancel. Streaming
 * and non-streaming. The delay from disconnect to the sim's observation is measured and printed
 * (the target is 100 ms) but not asserted — timing belongs to the bench, not to tests.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { DEFAULT_SIM_MODELS } from "../src/sim/server.js";
import { type Stack, startStack } from "./helpers/stack.js";

let stack: Stack;
const summaries: RequestSummary[] = [];

beforeAll(async () => {
  stack = await startStack({
    sim: { models: [...DEFAULT_SIM_MODELS, { name: "sim-ponder", latencyMs: 10_000 }, { name: "sim-trickle", ttftMs: 0, tokensPerSecond: 5 }] },
    hooks: { onRequestEnd: (s) => summaries.push(s) },
    patch: (cfg) => {
      const models = cfg.models as Record<string, unknown>;
      models["sim-ponder"] = { provider: "sim", price: { input: 1, output: 1 } };
      models["sim-trickle"] = { provider: "sim", price: { input: 1, output: 1 }, capabilities: { completions: true } };
    },
  });
});
afterAll(() => stack?.close());

const messages = [{ role: "user" as const, content: "take your time" }];

/** Waits until the sim saw the cancel of `id`; returns ms from `disconnectedAt`. */
async function observedCancel(id: string, disconnectedAt: number, label: string): Promise<number> {
  await vi.waitFor(() => expect(stack.sim.stats.cancelledAt[id]).toBeDefined(), { timeout: 5000, interval: 5 });
  const ms = stack.sim.stats.cancelledAt[id]! - disconnectedAt;
  console.log(`[abort] ${label}: sim observed the cancel ${ms} ms after the client disconnected`);
  return ms;
}

describe("client disconnect cancels the upstream", () => {
  it("non-streaming: the sim observes the cancel and the request is accounted as cancelled", async () => {
    const id = `abort-unary-${Date.now()}`;
    const controller = new AbortController();
    const pending = stack.client().chat.completions.create({ model: "sim-ponder", messages }, { signal: controller.signal, headers: { "x-request-id": id } });
    pending.catch(() => {});
    await vi.waitFor(() => expect(stack.sim.stats.seen).toContain(id), { timeout: 5000, interval: 5 });
    const disconnectedAt = Date.now();
    controller.abort();
    await expect(pending).rejects.toThrow();
    const ms = await observedCancel(id, disconnectedAt, "non-streaming");
    expect(ms).toBeGreaterThanOrEqual(0);
    await vi.waitFor(() => expect(summaries.find((s) => s.requestId === id)?.status).toBe(499));
    const record = summaries.find((s) => s.requestId === id)!.records[0]!;
    expect(record.status).toBe("cancelled");
  });

  it("streaming: the sim observes the cancel after the first chunk was read", async () => {
    const id = `abort-stream-${Date.now()}`;
    const stream = await stack.client().chat.completions.create({ model: "sim-trickle", messages, stream: true }, { headers: { "x-request-id": id } });
    let chunks = 0;
    let disconnectedAt = 0;
    for await (const _chunk of stream) {
      chunks++;
      if (chunks === 2) {
        disconnectedAt = Date.now();
        stream.controller.abort();
        break;
      }
    }
    expect(chunks).toBe(2);
    const ms = await observedCancel(id, disconnectedAt, "streaming");
    expect(ms).toBeGreaterThanOrEqual(0);
    await vi.waitFor(() => expect(summaries.find((s) => s.requestId === id)?.status).toBe(499));
    const record = summaries.find((s) => s.requestId === id)!.records[0]!;
    expect(record.status).toBe("cancelled");
    expect(record.streamed).toBe(true);
  });

  it("completions streaming: the cancel reaches the sim too", async () => {
    const id = `abort-completions-${Date.now()}`;
    const stream = await stack.client().completions.create({ model: "sim-trickle", prompt: "slowly", max_tokens: 200, stream: true }, { headers: { "x-request-id": id } });
    let disconnectedAt = 0;
    for await (const _chunk of stream) {
      disconnectedAt = Date.now();
      stream.controller.abort();
      break;
    }
    await observedCancel(id, disconnectedAt, "completions streaming");
  });

  it("the gateway keeps serving after cancelled requests", async () => {
    const res = await stack.client().chat.completions.create({ model: "sim-fast", messages });
    expect(res.choices.length).toBe(1);
  });
});
