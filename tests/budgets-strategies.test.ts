/**
 * Budget reservations for multi-call strategies: the worst case is calls × one call, but never more
 * than the strategy's own token/USD budget (which the strategy enforces by stopping), so a request
 * whose strategy budget fits the tenant's limits is admitted, and one whose budget does not is refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { post, type Stack, startStack } from "./helpers/stack.js";

const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length) await stacks.pop()!.close();
});

async function stackWithTpm(tpm: number): Promise<Stack> {
  const s = await startStack({ patch: (cfg) => ((cfg.tenants as Record<string, Record<string, unknown>>)["team-a"]!.limits = { tpm }) });
  stacks.push(s);
  return s;
}

const body = (budget?: Record<string, number>) => ({
  model: "sim-small",
  messages: [{ role: "user", content: "How many clips?" }],
  max_tokens: 64,
  octoroute: { strategy: "self-consistency", n: 8, ...(budget ? { budget } : {}) },
});

describe("strategy reservations", () => {
  it("reserves at most the strategy's token budget", async () => {
    // 8 calls × (prompt + 64) tokens exceeds 400, but a 300-token strategy budget fits.
    const s = await stackWithTpm(400);
    const capped = await post(s, "/v1/chat/completions", body({ tokens: 300 }));
    expect(capped.status).toBe(200);
    const answer = (await capped.json()) as { usage: { total_tokens: number } };
    expect(answer.usage.total_tokens).toBeLessThanOrEqual(400);
  });

  it("refuses when even the strategy's budget does not fit", async () => {
    const s = await stackWithTpm(400);
    const res = await post(s, "/v1/chat/completions", body());
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("rate_limit_exceeded");
  });
});
