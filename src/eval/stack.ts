/**
 * The eval's default target: the sim task world and a gateway, both in-process on free loopback
 * ports. Solver models of different skill and price (`math-small` 0.55, `math-medium` 0.7, `math-large` 0.85; neither
 * honours n>1, so every sample is its own call), a PRM (`prm`) and a judge (`judge`), wired as
 * verifiers. Figures measured here show that the algorithms work as designed, not real-model gains.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../config/loader.js";
import { type RunningGateway, startGateway } from "../node.js";
import { type SimServer, startSim } from "../sim/server.js";

export const EVAL_KEY = "sk-oct-eval-local";


export interface EvalStack {
  baseUrl: string;
  apiKey: string;
  sim: SimServer;
  gateway: RunningGateway;
  close(): Promise<void>;
}

export interface EvalStackOptions {
  /** PRM noise (std. dev. of the logit noise); lower = more informative. */
  prmNoise?: number;
  /** Sim latency per call, ms. */
  latencyMs?: number;
}

export async function startEvalStack(opts: EvalStackOptions = {}): Promise<EvalStack> {
  const { createHash } = await import("node:crypto");
  const hash = `sha256:${createHash("sha256").update(EVAL_KEY).digest("hex")}`;
  const latency = opts.latencyMs ?? 0;
  const sim = await startSim({
    port: 0,
    models: [
      { name: "solver-small", behaviour: "solver", skill: 0.55, ttftMs: latency, supportsN: false },
      { name: "solver-medium", behaviour: "solver", skill: 0.7, ttftMs: latency, supportsN: false },
      { name: "solver-large", behaviour: "solver", skill: 0.85, ttftMs: latency, supportsN: false },
      { name: "judge", behaviour: "judge", skill: 0.8, ttftMs: latency },
      { name: "prm", ttftMs: latency, options: { signal: 2, noise: opts.prmNoise ?? 1 } },
    ],
  });
  const caps = { assistantPrefix: true, completions: true, n: false };
  const config = parseConfig(
    JSON.stringify({
      server: { port: 0 },
      database: { path: join(mkdtempSync(join(tmpdir(), "octoroute-eval-")), "eval.db") },
      providers: { sim: { type: "openai", preset: "sim", baseUrl: sim.url, connections: 512, timeouts: { connectMs: 2000, firstByteMs: 60000, idleMs: 30000 }, retry: { maxAttempts: 2, baseDelayMs: 50, maxDelayMs: 500 } } },
      models: {
        "math-small": { provider: "sim", upstreamModel: "solver-small", price: { input: 0.15, output: 0.6 }, capabilities: caps },
        "math-medium": { provider: "sim", upstreamModel: "solver-medium", price: { input: 0.5, output: 2 }, capabilities: caps },
        "math-large": { provider: "sim", upstreamModel: "solver-large", price: { input: 2.5, output: 10 }, capabilities: caps },
        judge: { provider: "sim", price: { input: 0.15, output: 0.6 } },
        prm: { provider: "sim", price: { input: 0.05, output: 0 } },
      },
      verifiers: {
        prm: { type: "reward-model", model: "prm" },
        judge: { type: "llm-judge", model: "judge", pairwise: true },
      },
      tenants: { eval: { keys: [hash], models: ["*"], routes: ["*"] } },
    }),
    process.env,
    "eval stack",
  );

  const gateway = await startGateway({ config, port: 0, accounting: false, log: () => {} });
  return {
    baseUrl: `${gateway.url}/v1`,
    apiKey: EVAL_KEY,
    sim,
    gateway,
    close: async () => {
      await gateway.close();
      await sim.close();
    },
  };
}
