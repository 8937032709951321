/**
 * `npx tsx bench/router.ts`: how long the in-process routers take to decide, for a 2,000-token
 * prompt (target ≤ 0.2 ms p99), measured through `planRequest` — features computed once, then the
 * router — and printed as ratios against a baseline measured in the same run: JSON round-trip of
 * the same request body, work every request already pays. Routers: alias (no router), rules,
 * classifier and knn (artifacts trained here on mmlu-dev), bandit (memory store).
 * Env: BENCH_ROUTER_ITER (default 3000); BENCH_ROUTER_KNN_JS=1 times the knn JavaScript fallback
 * (what runtimes without WebAssembly code generation, e.g. Workers, use) instead of the wasm kernels.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../src/config/loader.js";
import { undiciHttpClient } from "../src/node/undici-http.js";
import { parseRoutingJsonl } from "../src/router/learning/dataset.js";
import { planRequest } from "../src/router/plan.js";
import { prepareRouters } from "../src/router/registry.js";
import { knnIndex, setKnnWasm } from "../src/router/learning/knn-index.js";
import { DEFAULT_TRAIN, trainArtifact } from "../src/router/learning/train.js";
import { buildRuntime } from "../src/runtime.js";
import { baseConfig, KEY_A } from "../tests/helpers/stack.js";

const ITER = Number(process.env.BENCH_ROUTER_ITER ?? 3000);
const DATA = join(import.meta.dirname, "../../shared/data/routing/mmlu-dev.jsonl");

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function time(fn: () => unknown | Promise<unknown>): Promise<{ p50: number; p90: number; p99: number }> {
  for (let i = 0; i < 200; i++) await fn();
  const t: number[] = [];
  for (let i = 0; i < ITER; i++) {
    const s = process.hrtime.bigint();
    await fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  t.sort((a, b) => a - b);
  return { p50: percentile(t, 0.5), p90: percentile(t, 0.9), p99: percentile(t, 0.99) };
}

async function main(): Promise<void> {
  if (process.env.BENCH_ROUTER_KNN_JS === "1") setKnnWasm(false);
  const ds = parseRoutingJsonl(readFileSync(DATA, "utf8"));
  process.stderr.write("training classifier and knn artifacts on mmlu-dev…\n");
  const clf = trainArtifact(ds, { ...DEFAULT_TRAIN, folds: 2, epochs: 100 }, "mmlu-dev");
  const knn = trainArtifact(ds, { ...DEFAULT_TRAIN, router: "knn", folds: 2 }, "mmlu-dev");
  const labels = { strong: "sim-large", weak: "sim-small" };
  const raw = baseConfig("http://127.0.0.1:9/v1") as Record<string, unknown>;
  raw.routes = {
    fast: { model: "sim-fast" },
    rules: {
      router: {
        type: "rules",
        rules: [
          { when: { field: "meta.tier", eq: "gold" }, node: "sim-large" },
          { when: { and: [{ field: "domain", in: ["math", "code"] }, { field: "promptTokens", gt: 3000 }] }, node: "sim-large" },
          { when: { field: "text", regex: "\\bprove\\b" }, node: "sim-large" },
        ],
      },
      default: "sim-small",
    },
    classifier: { router: { type: "classifier", artifact: clf, labels, quality: 0.3 }, candidates: ["sim-small", "sim-large"] },
    knn: { router: { type: "knn", artifact: knn, labels, quality: 0.3 }, candidates: ["sim-small", "sim-large"] },
    bandit: { router: { type: "bandit" }, candidates: ["sim-small", "sim-large"] },
  };
  const config = parseConfig(JSON.stringify(raw), {}, "bench config");
  const http = undiciHttpClient();
  const runtime = buildRuntime(config, http);
  prepareRouters(runtime);
  const identity = (await runtime.tenants.resolve(KEY_A))!;
  if (!identity || identity.admin) throw new Error("bench key did not resolve to a tenant");

  // ~2,000 tokens (≈ 8,000 characters) of real MMLU text.
  let prompt = "";
  for (const r of ds.rows) {
    if (prompt.length >= 8000) break;
    prompt += `${r.prompt}\n`;
  }
  prompt = prompt.slice(0, 8000);
  const request = (model: string) => ({ model, messages: [{ role: "system", content: "You are helpful." }, { role: "user", content: prompt }] });
  const body = JSON.stringify(request("classifier"));
  const baseline = await time(() => JSON.parse(body));
  console.log(`router decision for a ${Math.round(prompt.length / 4)}-token prompt, ${ITER} runs each (baseline: JSON round-trip of the request)`);
  console.log(`knn similarity: ${knnIndex([{ idx: [0], val: [1] }]).wasm ? "WebAssembly SIMD kernels" : "JavaScript posting walk (WebAssembly unavailable)"}`);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs: tail latencies on a loaded machine measure the scheduler`);
  console.log(`${"route".padEnd(12)} ${"p50 ms".padStart(8)} ${"p90 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"p50/baseline".padStart(13)}  target p99 ≤ 0.2 ms`);
  console.log(`${"baseline".padEnd(12)} ${baseline.p50.toFixed(4).padStart(8)} ${baseline.p90.toFixed(4).padStart(8)} ${baseline.p99.toFixed(4).padStart(8)} ${"1.00".padStart(13)}`);
  for (const route of ["fast", "rules", "classifier", "knn", "bandit"]) {
    let i = 0;
    const r = await time(() => planRequest(runtime, identity, route, request(route) as never, {}, { requestId: `bench-${i++}`, models: () => { throw new Error("no model calls in bench"); } }));
    console.log(`${route.padEnd(12)} ${r.p50.toFixed(4).padStart(8)} ${r.p90.toFixed(4).padStart(8)} ${r.p99.toFixed(4).padStart(8)} ${(r.p50 / baseline.p50).toFixed(2).padStart(13)}  ${r.p99 <= 0.2 ? "ok" : "OVER"}`);
  }
  await http.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
