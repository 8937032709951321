/**
 * The gateway as `npm start` runs it: `bin/octoroute.mjs` runs the compiled tree in `dist/`
 * (built by the tests' global setup when the sources changed), and says plainly when it cannot
 * bind its port or the built-in sim's, instead of crashing with a stack trace.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimServer, startSim } from "../src/sim/server.js";
import { baseConfig, KEY_A } from "./helpers/stack.js";

let sim: SimServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  sim = await startSim({ port: 0 });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await sim?.close();
});

function writeConfig(patch: Record<string, unknown> = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), "octoroute-cli-")), "octoroute.json");
  writeFileSync(path, JSON.stringify({ ...baseConfig(sim.url), ...patch }));
  return path;
}

/** Runs `node bin/octoroute.mjs <args>` (no tsx loader); resolves at "listening on" or at exit. */
function octoroute(args: string[]): { proc: ChildProcess; listening: Promise<string>; exited: Promise<{ code: number | null; stderr: string }>; stderr(): string } {
  const proc = spawn(process.execPath, ["bin/octoroute.mjs", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(proc);
  let stdout = "";
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.once("exit", (code) => resolve({ code, stderr })));
  const listening = new Promise<string>((resolve, reject) => {
    proc.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /octoroute listening on (http:\/\/\S+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then(({ code }) => reject(new Error(`octoroute exited (${code}) before listening: ${stderr}`)));
  });
  listening.catch(() => {});
  return { proc, listening, exited, stderr: () => stderr };
}

function occupyPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

describe("bin/octoroute.mjs (npm start)", () => {
  it("runs the compiled gateway: the SDK chats and streams through it", async () => {
    const run = octoroute(["serve", "--config", writeConfig(), "--port", "0"]);
    const url = await run.listening;
    expect(existsSync(join("dist", "src", "cli.js"))).toBe(true);
    // The global setup built dist/ from these sources, so nothing is compiled at start.
    expect(run.stderr()).not.toContain("compiling");
    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: KEY_A, maxRetries: 0 });
    const chat = await client.chat.completions.create({ model: "sim-small", messages: [{ role: "user", content: "Hi" }], max_tokens: 8 });
    expect(chat.choices[0]!.message.content).toBeTruthy();
    expect(chat.usage!.completion_tokens).toBeGreaterThan(0);
    let text = "";
    for await (const chunk of await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "Hi" }], stream: true })) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    run.proc.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
  });

  it("says which port is taken and which setting moves it, and exits 69", async () => {
    const { server, port } = await occupyPort();
    try {
      const { code, stderr } = await octoroute(["serve", "--config", writeConfig(), "--port", String(port)]).exited;
      expect(code).toBe(69);
      expect(stderr).toContain(`octoroute cannot listen on 127.0.0.1:${port}: the address is already in use`);
      expect(stderr).toContain("server.port");
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      server.close();
    }
  });

  it("prints its version, and refuses unknown or incomplete options instead of starting", async () => {
    const version = octoroute(["--version"]);
    let out = "";
    version.proc.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    expect((await version.exited).code).toBe(0);
    expect(out).toMatch(/^octoroute \d+\.\d+\.\d+ \(node v\d+/);
    for (const [args, message] of [
      [["serve", "--bogus"], 'unknown option "--bogus"'],
      [["--port", "abc"], "must be a port number"],
      [["serve", "--config"], "--config needs a value"],
      // A typo must not validate (or mint for, or serve) the default instead.
      [["config", "check", "--confg", "x.yaml"], 'unknown option "--confg"'],
      [["keys", "mint", "--tenent", "a"], 'unknown option "--tenent"'],
      [["sim", "--prot", "5"], 'unknown option "--prot"'],
    ] as const) {
      const { code, stderr } = await octoroute([...args]).exited;
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    }
  });

  it("names the built-in sim's port when that one is taken", async () => {
    const { server, port } = await occupyPort();
    try {
      const { code, stderr } = await octoroute(["serve", "--config", writeConfig({ sim: { enabled: true, port } }), "--port", "0"]).exited;
      expect(code).toBe(69);
      expect(stderr).toContain(`the simulated upstream cannot listen on 127.0.0.1:${port}`);
      expect(stderr).toContain("sim.port");
      expect(stderr).not.toMatch(/^\s+at /m);
    } finally {
      server.close();
    }
  });
});
