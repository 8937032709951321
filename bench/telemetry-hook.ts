/**
 * `npx tsx bench/telemetry-hook.ts`: CPU the telemetry hook costs per finished request (one
 * upstream call), in isolation: metrics only, then metrics + two spans exported over OTLP/HTTP to a
 * local sink. Measured as process CPU time (user + system), not wall time, so other work on a
 * shared machine inflates it less; each mode runs twice and the second (warm) run is the figure.
 * The end-to-end throughput target (ledger + OTel + budgets vs off) is `npm run bench:accounting`.
 *
 * Env: BENCH_REQUESTS (default 20000).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestSummary } from "../src/api/hooks.js";
import { startTelemetry } from "../src/telemetry/otel/node-sdk.js";

const N = Number(process.env.BENCH_REQUESTS ?? 20_000);

function summary(i: number): RequestSummary {
  const now = Date.now();
  const tenant = `team-${i % 3}`;
  return {
    requestId: `req_${i}`,
    tenant,
    keyId: "k",
    endpoint: "chat",
    route: i % 2 ? "auto" : undefined,
    routeReason: "rule: short prompt",
    strategy: "none",
    model: "sim-fast",
    status: 200,
    stream: false,
    startedAt: now - 5,
    latencyMs: 5,
    ttftMs: null,
    records: [
      {
        requestId: `req_${i}`, tenant, model: "sim-fast", provider: "sim", system: "openai", operation: "chat", purpose: "answer",
        inputTokens: 12, outputTokens: 16, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0.0000038, latencyMs: 4, ttftMs: 4,
        status: "ok", attempts: 1, streamed: false, startedAt: now - 4,
      },
    ],
    totals: { usage: { prompt_tokens: 12, completion_tokens: 16, total_tokens: 28 }, costUsd: 0.0000038, calls: 1 },
  };
}

const sink = createServer((req, res) => {
  req.resume();
  req.on("end", () => res.end("{}"));
});
await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

console.log(`telemetry hook bench: ${N} requests per run, node ${process.version}`);
for (const mode of ["metrics", "metrics+traces"] as const) {
  let last = 0;
  for (let run = 0; run < 2; run++) {
    const t = await startTelemetry({
      serviceName: "bench",
      sampling: { ratio: 1 },
      prometheus: { enabled: true },
      ...(mode === "metrics+traces" ? { otlp: { endpoint, protocol: "http/json" as const, headers: {}, traces: true, metrics: true, metricsIntervalMs: 1000, timeoutMs: 5000 } } : {}),
    });
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      t.hooks.onRequestEnd(summary(i));
      // Let the queued work run as it would between requests (16 in flight).
      if (i % 16 === 15) await new Promise((r) => setImmediate(r));
    }
    await t.flush();
    const c = process.cpuUsage(c0);
    last = (c.user + c.system) / N;
    await t.shutdown();
  }
  console.log(`  ${mode.padEnd(15)} ${last.toFixed(1)} µs CPU per request (hook, spans and OTLP export included)`);
}
sink.close();
