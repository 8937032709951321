/**
 * `npx tsx bench/decoding.ts`: token-level decoding on the sim's token LM (GSM8K n-gram MoE).
 * The sim and the gateway each run in their own process (forked from this file), so the gateway's
 * CPU time is its own; this process is the client. It prints:
 *
 * 1. Round trips (upstream calls) per generated token for `scmoe` on the default pair (sim-moe,
 *    weak = the same MoE with only its 2nd-ranked expert) — the naive loop needs 2 — and how it
 *    varies with the strong/weak agreement rate (other weak activations, β, a separate tiny model,
 *    chunk sizes); also upstream-generated tokens per decided token (proposals thrown away at a
 *    disagreement are billed too).
 * 2. Gateway CPU per generated token: chunked scmoe and the naive loop, as ratios against plain
 *    decoding (`none` on the same model) measured in the same run.
 *
 * Env: BENCH_PROMPTS (default 100), BENCH_MAX_TOKENS (default 64). Figures say the algorithm works
 * as designed on the sim, not how much contrastive decoding helps a real model.
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bench tenant's key (its hash is in the bench gateway's config). Not a secret. */
const BENCH_KEY = "sk-oct-bench-decoding-0001";

const SELF = fileURLToPath(import.meta.url);
const PROMPTS = Number(process.env.BENCH_PROMPTS ?? 100);
const MAX_TOKENS = Number(process.env.BENCH_MAX_TOKENS ?? 64);

type Msg = { cmd?: string; ready?: boolean; url?: string; cpu?: NodeJS.CpuUsage; stats?: { requests: number; completionTokens: number } };

async function child(): Promise<void> {
  const [role, target] = process.argv.slice(2);
  let url: string;
  let stats = () => ({ requests: 0, completionTokens: 0 });
  let reset = () => {};
  if (role === "sim") {
    const { startSim, DEFAULT_SIM_MODELS } = await import("../src/sim/server.js");
    const { tokenLm } = await import("../src/sim/token-lm/model.js");
    tokenLm();
    // No artificial latency: round trips are counted, not timed.
    const sim = await startSim({ port: 0, models: DEFAULT_SIM_MODELS.map((m) => ({ ...m, ttftMs: 0, tokensPerSecond: 0 })) });
    url = sim.url;
    stats = () => sim.stats;
    reset = () => sim.resetStats();
  } else {
    const [{ parseConfig }, { startGateway }, { sha256Hex }, { SIM_CHAT_TEMPLATE }] = await Promise.all([
      import("../src/config/loader.js"),
      import("../src/node.js"),
      import("../src/tenants/keys.js"),
      import("../src/sim/token-lm/template.js"),
    ]);
    const caps = { completions: true, echo: true };
    const node = (extra: Record<string, unknown>) => ({ provider: "sim", upstreamModel: "sim-moe", capabilities: caps, chatTemplate: SIM_CHAT_TEMPLATE, price: { input: 0.5, output: 1.5 }, ...extra });
    const raw = {
      server: { host: "127.0.0.1", port: 0, shutdownGraceMs: 1000 },
      database: { path: join(mkdtempSync(join(tmpdir(), "octoroute-bench-")), "bench.db") },
      providers: { sim: { type: "openai", preset: "sim", baseUrl: target, timeouts: { firstByteMs: 30000 } } },
      models: {
        "sim-moe": node({ weak: "sim-moe-weak" }),
        "sim-moe-weak": node({ extraBody: { expert_ranks: [2] }, price: { input: 0.2, output: 0.6 } }),
        "sim-moe-r1": node({ extraBody: { expert_ranks: [1] } }),
        "sim-moe-r3": node({ extraBody: { expert_ranks: [3] } }),
        "sim-moe-r4": node({ extraBody: { expert_ranks: [4] } }),
        "sim-lm-tiny": node({ upstreamModel: "sim-lm-tiny", price: { input: 0.05, output: 0.1 } }),
      },
      tenants: { bench: { keys: [`sha256:${await sha256Hex(BENCH_KEY)}`], models: ["*"], routes: ["*"] } },
    };
    const gw = await startGateway({ config: parseConfig(JSON.stringify(raw), process.env, "bench config"), port: 0, startSim: false, log: () => {} } as never);
    url = gw.url;
  }
  process.on("message", (msg: Msg) => {
    if (msg.cmd === "cpu") process.send!({ cpu: process.cpuUsage() });
    if (msg.cmd === "stats") process.send!({ stats: stats() });
    if (msg.cmd === "reset") {
      reset();
      process.send!({ stats: stats() });
    }
  });
  process.send!({ ready: true, url });
}

function start(role: string, arg = "") {
  const proc = fork(SELF, [role, arg], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ask = (cmd: string) =>
    new Promise<Msg>((resolve) => {
      proc.once("message", (m: Msg) => resolve(m));
      proc.send({ cmd });
    });
  const ready = new Promise<string>((resolve) => proc.once("message", (m: Msg) => resolve(m.url!)));
  return { proc, ask, ready };
}

interface Prompt {
  question: string;
  prefill: string;
}

function prompts(): Prompt[] {
  const lines = readFileSync(join(process.cwd(), "../shared/data/tasks/gsm8k-train.jsonl"), "utf8").split("\n").filter(Boolean);
  return Array.from({ length: PROMPTS }, (_, i) => {
    const { question, answer } = JSON.parse(lines[(i * 53 + 11) % lines.length]!) as { question: string; answer: string };
    // Half start from the question alone, half part-way into the reference answer.
    const words = answer.replace(/<<[^<>]*>>/g, "").split(" ");
    return { question, prefill: i % 2 ? words.slice(0, 1 + (i % 7)).join(" ") : "" };
  });
}

async function main(): Promise<void> {
  const sim = start("sim");
  const simUrl = await sim.ready;
  const gw = start("gateway", simUrl);
  const base = await gw.ready;
  const all = prompts();

  async function run(model: string, octoroute: Record<string, unknown> | null) {
    await sim.ask("reset");
    const cpu0 = (await gw.ask("cpu")).cpu!;
    let tokens = 0;
    const texts: string[] = [];
    let contrast = 0;
    let agreed = 0;
    for (const p of all) {
      const messages = [{ role: "user", content: p.question }, ...(p.prefill ? [{ role: "assistant", content: p.prefill }] : [])];
      const res = await fetch(`${base}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${BENCH_KEY}` },
        body: JSON.stringify({ model, messages, max_tokens: MAX_TOKENS, temperature: 0, ...(octoroute ? { octoroute } : {}) }),
      });
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }>; usage: { completion_tokens: number }; octoroute?: { decoding?: { tokens: number; contrast_tokens: number; agreement: number | null } } };
      if (!res.ok) throw new Error(JSON.stringify(body));
      texts.push(body.choices[0]!.message.content);
      const d = body.octoroute?.decoding;
      tokens += d ? d.tokens : body.usage.completion_tokens;
      if (d) {
        contrast += d.contrast_tokens;
        agreed += (d.agreement ?? 0) * d.contrast_tokens;
      }
    }
    const cpu1 = (await gw.ask("cpu")).cpu!;
    const simStats = (await sim.ask("stats")).stats!;
    const calls = simStats.requests;
    const cpuUs = cpu1.user - cpu0.user + cpu1.system - cpu0.system;
    return { tokens, texts, calls, generatedPerToken: simStats.completionTokens / tokens, perToken: calls / tokens, agreement: contrast ? agreed / contrast : null, cpuPerToken: cpuUs / tokens };
  }

  const fmt = (n: number | null, d = 3) => (n === null ? "-" : n.toFixed(d));
  console.log(`token-level decoding bench: ${PROMPTS} GSM8K prompts (half with an answer prefill), max_tokens ${MAX_TOKENS}, greedy`);
  // Warm-up (LM caches in the sim, JIT in the gateway).
  await run("sim-moe", { strategy: "scmoe" });

  console.log("\n1. Round trips per generated token (upstream calls / decided tokens); naive loop = 2");
  console.log(`   ${"setting (chunk auto unless given)".padEnd(46)}  agreement  calls/token  proposed/token  tokens`);
  const rows: Array<[string, string, Record<string, unknown>]> = [
    ["scmoe, default pair (weak = rank-2 expert)", "sim-moe", { strategy: "scmoe" }],
    ["scmoe, weak = expert rank 1", "sim-moe", { strategy: "scmoe", weak: "sim-moe-r1" }],
    ["scmoe, weak = expert rank 3", "sim-moe", { strategy: "scmoe", weak: "sim-moe-r3" }],
    ["scmoe, weak = expert rank 4", "sim-moe", { strategy: "scmoe", weak: "sim-moe-r4" }],
    ["scmoe, default pair, β 0.1", "sim-moe", { strategy: "scmoe", beta: 0.1 }],
    ["scmoe, default pair, β 0.9", "sim-moe", { strategy: "scmoe", beta: 0.9 }],
    ["contrast, weak = sim-lm-tiny (bigram)", "sim-moe", { strategy: "contrast", weak: "sim-lm-tiny" }],
    ["scmoe, default pair, chunk 8", "sim-moe", { strategy: "scmoe", chunk: 8 }],
    ["scmoe, default pair, chunk 16", "sim-moe", { strategy: "scmoe", chunk: 16 }],
    ["scmoe, default pair, chunk 32", "sim-moe", { strategy: "scmoe", chunk: 32 }],
    ["guidance ω 1.5, window 16, weak = tiny", "sim-moe", { strategy: "guidance", weak: "sim-lm-tiny", window: 16 }],
  ];
  for (const [label, model, oct] of rows) {
    const r = await run(model, oct);
    console.log(`   ${label.padEnd(46)}  ${fmt(r.agreement).padStart(9)}  ${fmt(r.perToken).padStart(11)}  ${fmt(r.generatedPerToken, 2).padStart(14)}  ${String(r.tokens).padStart(6)}`);
  }

  console.log("\n2. Gateway CPU per generated token (µs), against plain decoding in the same run");
  const plain = await run("sim-moe", null);
  const chunked = await run("sim-moe", { strategy: "scmoe" });
  const naive = await run("sim-moe", { strategy: "scmoe", loop: "naive" });
  console.log(`   none (one plain call)       ${fmt(plain.cpuPerToken, 1).padStart(8)} µs/token  1.00×`);
  console.log(`   scmoe chunked               ${fmt(chunked.cpuPerToken, 1).padStart(8)} µs/token  ${fmt(chunked.cpuPerToken / plain.cpuPerToken, 2)}×  (${fmt(chunked.perToken)} calls/token)`);
  console.log(`   scmoe naive (reference)     ${fmt(naive.cpuPerToken, 1).padStart(8)} µs/token  ${fmt(naive.cpuPerToken / plain.cpuPerToken, 2)}×  (${fmt(naive.perToken)} calls/token)`);
  const same = chunked.texts.every((t, i) => t === naive.texts[i]);
  console.log(`   chunked answers == naive answers on all ${PROMPTS} prompts: ${same ? "yes" : "NO"}`);
  sim.proc.kill();
  gw.proc.kill();
}

if (process.argv[2] === "sim" || process.argv[2] === "gateway") await child();
else await main();
