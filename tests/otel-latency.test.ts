/**
 * The idealised-latency estimator (pure logic): it recovers a model's time to first token and
 * per-output-token time from streamed calls directly, from buffered calls by a least-squares fit,
 * and refuses to guess from too little or meaningless data instead of reporting a zero.
 */
import { describe, expect, it } from "vitest";
import { LatencyProfile } from "../src/telemetry/otel/idealised-latency.js";
import type { UsageRecord } from "../src/telemetry/usage.js";

function call(model: string, outputTokens: number, latencyMs: number, extra: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: "r",
    tenant: "t",
    model,
    provider: "p",
    system: "openai",
    operation: "chat",
    purpose: "answer",
    inputTokens: 10,
    outputTokens,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    latencyMs,
    ttftMs: latencyMs,
    status: "ok",
    attempts: 1,
    streamed: false,
    startedAt: 0,
    ...extra,
  };
}

describe("idealised latency", () => {
  it("measures TTFT and decode time per token from streamed calls", () => {
    const p = new LatencyProfile();
    // 100 ms to the first token, then 10 ms per further token.
    for (const n of [11, 51, 201]) p.add(call("m", n, 100 + 10 * (n - 1), { streamed: true, ttftMs: 100 }));
    const [m] = p.snapshot();
    expect(m!.source).toBe("streamed");
    expect(m!.ttftMs).toBeCloseTo(100, 9);
    expect(m!.msPerOutputToken).toBeCloseTo(10, 9);
    expect(m!.idealisedMsPerReference).toBeCloseTo(100 + 256 * 10, 6);
    // Raw wall time per token (200 + 600 + 2100 ms over 263 tokens) mixes in the first-token wait.
    expect(m!.rawMsPerOutputToken).toBeCloseTo(2900 / 263, 9);
  });

  it("fits latency = a + b × tokens on buffered calls", () => {
    const p = new LatencyProfile();
    for (const n of [5, 20, 80, 160]) p.add(call("m", n, 50 + 4 * n));
    const [m] = p.snapshot();
    expect(m!.source).toBe("fit");
    expect(m!.ttftMs).toBeCloseTo(50, 6);
    expect(m!.msPerOutputToken).toBeCloseTo(4, 9);
  });

  it("says 'insufficient' rather than zero for too few calls or a flat slope, and skips failures", () => {
    const p = new LatencyProfile();
    p.add(call("few", 10, 100));
    p.add(call("few", 20, 140));
    for (const n of [10, 20, 30]) p.add(call("flat", n, 100));
    p.add(call("failed", 10, 5, { status: "error" }));
    p.add(call("vectors", 0, 5, { operation: "embeddings" }));
    const byModel = new Map(p.snapshot().map((m) => [m.model, m]));
    expect(byModel.get("few")!.source).toBe("insufficient");
    expect(byModel.get("few")!.msPerOutputToken).toBeNull();
    expect(byModel.get("flat")!.source).toBe("insufficient");
    expect(byModel.get("flat")!.idealisedMsPerReference).toBeNull();
    expect(byModel.has("failed")).toBe(false);
    expect(byModel.has("vectors")).toBe(false);
  });

  it("ranks models by idealised time, not by raw wall time", () => {
    const p = new LatencyProfile();
    // "slow-short" answers briefly so its calls finish first, but it is slower per token.
    for (const n of [5, 8, 10]) p.add(call("slow-short", n, 300 + 40 * (n - 1), { streamed: true, ttftMs: 300 }));
    for (const n of [200, 300, 400]) p.add(call("fast-long", n, 50 + 5 * (n - 1), { streamed: true, ttftMs: 50 }));
    expect(p.snapshot().map((m) => m.model)).toEqual(["fast-long", "slow-short"]);
  });
});
