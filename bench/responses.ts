/**
 * `npx tsx bench/responses.ts`: what `/v1/responses` costs over `/v1/chat/completions` for the
 * same conversation on the same gateway — the translation, the event writer and the stored
 * response (SQLite). Sim and gateway run in their own processes (`bench/child.ts`); requests are
 * sequential and interleaved (chat, responses, responses continuing a stored one), so drift on a
 * shared machine hits every variant alike. Prints medians and p90 in µs and the ratio to chat.
 * The sim model answers instantly, so a stream's first byte and its end arrive almost together:
 * the stream figures are the whole stream's processing (every event, the stored response), an
 * upper bound for the time to first byte in front of a model that takes time per token.
 * Env: BENCH_N (requests per variant, default 1000). Figures are for this bench, not for tests.
 */
import { type ChildProcess, fork } from "node:child_process";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { BENCH_KEY } from "./key.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_N ?? 1000);
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${BENCH_KEY}` };
const PROMPT = "Say something short.";

function spawn(role: string, arg?: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = fork(join(HERE, "child.ts"), arg ? [role, arg] : [role], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
    proc.on("message", (m: { ready?: boolean; url?: string }) => m.ready && resolve({ proc, url: m.url! }));
  });
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

async function main(): Promise<void> {
  const sim = await spawn("sim");
  const gw = await spawn("gateway", `${sim.url}/v1`);
  const pool = new Pool(gw.url, { connections: 1 });
  const call = async (path: string, body: unknown, stream = false): Promise<{ us: number; json: Record<string, unknown> | null }> => {
    const t0 = performance.now();
    const res = await pool.request({ path, method: "POST", headers: HEADERS, body: JSON.stringify(body) });
    if (stream) {
      // Time to the first body byte, then drain.
      const it = res.body[Symbol.asyncIterator]();
      await it.next();
      const us = (performance.now() - t0) * 1000;
      for (;;) if ((await it.next()).done) break;
      return { us, json: null };
    }
    const json = (await res.body.json()) as Record<string, unknown>;
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${JSON.stringify(json)}`);
    return { us: (performance.now() - t0) * 1000, json };
  };
  const chatBody = (stream: boolean) => ({ model: "sim-fast", messages: [{ role: "user", content: PROMPT }], max_tokens: 16, stream });
  const respBody = (stream: boolean, previous?: string) => ({ model: "sim-fast", input: PROMPT, max_output_tokens: 16, stream, ...(previous ? { previous_response_id: previous } : {}) });

  const times: Record<string, number[]> = { chat: [], responses: [], "responses+previous": [], "chat stream ttfb": [], "responses stream ttfb": [] };
  // Warm-up (JIT, connections, SQLite pages).
  for (let i = 0; i < 50; i++) {
    await call("/v1/chat/completions", chatBody(false));
    await call("/v1/responses", respBody(false));
  }
  let previous = String((await call("/v1/responses", respBody(false))).json!.id);
  for (let i = 0; i < N; i++) {
    times.chat!.push((await call("/v1/chat/completions", chatBody(false))).us);
    times.responses!.push((await call("/v1/responses", respBody(false))).us);
    // A fresh chain every 10 turns, so the conversation (and the prompt) stays short.
    const cont = await call("/v1/responses", respBody(false, i % 10 === 0 ? undefined : previous));
    times["responses+previous"]!.push(cont.us);
    previous = String(cont.json!.id);
    times["chat stream ttfb"]!.push((await call("/v1/chat/completions", chatBody(true), true)).us);
    times["responses stream ttfb"]!.push((await call("/v1/responses", respBody(true), true)).us);
  }
  const base = { plain: quantile(times.chat!, 0.5), stream: quantile(times["chat stream ttfb"]!, 0.5) };
  console.log(`n=${N} per variant, sequential, sim-fast (no model latency)`);
  for (const [name, xs] of Object.entries(times)) {
    const p50 = quantile(xs, 0.5);
    const ratio = p50 / (name.includes("stream") ? base.stream : base.plain);
    console.log(`${name.padEnd(24)} p50 ${p50.toFixed(0).padStart(6)} µs  p90 ${quantile(xs, 0.9).toFixed(0).padStart(6)} µs  ×${ratio.toFixed(2)} of chat`);
  }
  await pool.close();
  gw.proc.kill("SIGINT");
  sim.proc.kill("SIGINT");
}

await main();
