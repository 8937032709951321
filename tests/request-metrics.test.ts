/**
 * The request metrics' series bookkeeping: a series per attribute set however the sets interleave
 * (more of them than the few remembered for a field-by-field match), with counts, sums and token
 * types exactly those of the recorded calls and requests.
 */
import { describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { RequestMetrics } from "../src/telemetry/otel/request-metrics.js";

function summary(tenant: string, model: string, status: "ok" | "error", i: number): RequestSummary {
  const record = {
    requestId: `r${i}`,
    tenant,
    keyId: "k",
    model,
    provider: "p",
    system: "openai",
    operation: "chat" as const,
    purpose: "answer" as const,
    inputTokens: 10 + i,
    outputTokens: 2 * i,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    costUsd: status === "ok" ? 0.5 : null,
    latencyMs: 100,
    ttftMs: null,
    status,
    ...(status === "error" ? { errorCode: "upstream_error" } : {}),
    attempts: 1,
    streamed: false,
    startedAt: 0,
  };
  return {
    requestId: `r${i}`,
    tenant,
    keyId: "k",
    endpoint: "chat",
    strategy: "none",
    model,
    status: status === "ok" ? 200 : 502,
    ...(status === "error" ? { errorCode: "upstream_error" } : {}),
    stream: false,
    startedAt: 0,
    latencyMs: 120,
    ttftMs: null,
    records: [record],
    totals: { usage: { prompt_tokens: record.inputTokens, completion_tokens: record.outputTokens, total_tokens: record.inputTokens + record.outputTokens }, costUsd: record.costUsd, calls: 1 },
  };
}

type Point = { attributes: Record<string, unknown>; value: number | { count: number; sum: number } };

describe("request metrics", () => {
  it("keeps one exact series per attribute set, with more sets than it remembers", async () => {
    const metrics = new RequestMetrics();
    const expected = new Map<string, { calls: number; input: number; output: number; cost: number }>();
    let i = 0;
    // 12 tenants × 2 models × ok/error, interleaved so no set repeats back to back.
    for (let round = 0; round < 3; round++) {
      for (let t = 0; t < 12; t++) {
        for (const model of ["small", "large"]) {
          const status = (t + round) % 5 === 0 ? "error" : "ok";
          const s = summary(`tenant-${t}`, model, status, ++i);
          metrics.record(s);
          const key = `${s.tenant}|${model}|${status}`;
          const e = expected.get(key) ?? { calls: 0, input: 0, output: 0, cost: 0 };
          e.calls++;
          e.input += s.records[0]!.inputTokens;
          e.output += s.records[0]!.outputTokens;
          e.cost += s.records[0]!.costUsd ?? 0;
          expected.set(key, e);
        }
      }
    }
    const { resourceMetrics } = await metrics.collect();
    const byName = new Map(resourceMetrics.scopeMetrics[0]!.metrics.map((m) => [m.descriptor.name, m.dataPoints as unknown as Point[]]));
    const keyOf = (a: Record<string, unknown>) => `${a["octoroute.tenant"]}|${a["gen_ai.request.model"]}|${a["error.type"] ? "error" : "ok"}`;
    const tokens = byName.get("gen_ai.client.token.usage")!;
    expect(tokens).toHaveLength(2 * expected.size);
    for (const p of tokens) {
      const e = expected.get(keyOf(p.attributes))!;
      const v = p.value as { count: number; sum: number };
      expect(v.count).toBe(e.calls);
      expect(v.sum).toBe(p.attributes["gen_ai.token.type"] === "input" ? e.input : e.output);
    }
    const durations = byName.get("gen_ai.client.operation.duration")!;
    expect(durations).toHaveLength(expected.size);
    for (const p of durations) expect((p.value as { count: number }).count).toBe(expected.get(keyOf(p.attributes))!.calls);
    const cost = byName.get("octoroute.cost")!;
    for (const p of cost) expect(p.value).toBeCloseTo(expected.get(keyOf(p.attributes))!.cost, 12);
    const requests = byName.get("octoroute.requests")!;
    expect(requests.reduce((n, p) => n + (p.value as number), 0)).toBe(i);
  });
});
