/**
 * A real stack for end-to-end tests: the sim on a free loopback port, the gateway on another, and
 * the official `openai` SDK pointed at the gateway. Nothing is mocked.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import type { GatewayHooks } from "../../src/api/hooks.js";
import type { GatewayPlugin } from "../../src/app.js";
import { parseConfig } from "../../src/config/loader.js";
import type { OctorouteConfig } from "../../src/config/schema.js";
import { type RunningGateway, startGateway } from "../../src/node.js";
import { type SimOptions, type SimServer, startSim } from "../../src/sim/server.js";

export const KEY_A = "sk-oct-demo-team-a";
export const KEY_B = "sk-oct-demo-team-b";
export const ADMIN_KEY = "sk-oct-demo-admin";
const HASH_A = "sha256:189918722f78aa6e69f3580c2c86bd6ad87083098138a997336248dc9c45c846";
const HASH_B = "sha256:1168d398e0049c87f81b46acfa56e17096d69b918f3ab393d59f27aad04894ae";
const HASH_ADMIN = "sha256:bc50b70aed04de61ab5db72f98fe935a36cdea0ed31c93bf6c5f78ad509fee58";

/** The standard test config as an object; `patch` may replace or add whole sections. */
export function baseConfig(simUrl: string): Record<string, unknown> {
  return {
    server: { port: 0, adminKeys: [HASH_ADMIN], shutdownGraceMs: 5000 },
    // Each stack gets its own database file, so test files never share state.
    database: { path: join(mkdtempSync(join(tmpdir(), "octoroute-test-")), "octoroute.db") },
    providers: {
      sim: {
        type: "openai",
        preset: "sim",
        baseUrl: simUrl,
        forwardHeaders: ["x-sim-fault"],
        timeouts: { connectMs: 1000, firstByteMs: 3000, idleMs: 1500 },
        retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 1500 },
      },
    },
    models: {
      "sim-small": { provider: "sim", price: { input: 0.15, output: 0.6 }, capabilities: { completions: true, echo: true }, tags: ["general"] },
      "sim-large": { provider: "sim", price: { input: 2.5, output: 10 }, capabilities: { completions: true, echo: true }, tags: ["general", "math"] },
      "sim-fast": { provider: "sim", price: { input: 0.05, output: 0.2 } },
      "sim-embed": { provider: "sim", price: { input: 0.02, output: 0 }, capabilities: { chat: false, embeddings: true } },
      "sim-flaky": { provider: "sim", upstreamModel: "sim-small", price: { input: 0.15, output: 0.6 }, fallbacks: ["sim-fast"] },
    },
    routes: { fast: { model: "sim-fast" } },
    tenants: {
      "team-a": { keys: [HASH_A], models: ["*"], routes: ["*"] },
      "team-b": { keys: [{ id: "team-b-ci", hash: HASH_B }], models: ["sim-small"], routes: ["fast"] },
    },
  };
}

export interface Stack {
  sim: SimServer;
  gateway: RunningGateway;
  /** Gateway base URL with `/v1`. */
  baseURL: string;
  config: OctorouteConfig;
  client(key?: string, opts?: ConstructorParameters<typeof OpenAI>[0]): OpenAI;
  /**
   * Edits the config the stack started with and reloads it, as an operator editing the file
   * would (the gateway reads it from a file of its own). Throws what a refused reload says.
   */
  reconfigure(patch: (cfg: Record<string, unknown>) => void): void;
  close(): Promise<void>;
}

export interface StackOptions {
  sim?: SimOptions;
  /** Edits the config object before validation. */
  patch?: (cfg: Record<string, unknown>) => void;
  hooks?: GatewayHooks;
  plugins?: GatewayPlugin[];
  /** Receives the gateway's log lines (default: dropped). */
  log?: (msg: string) => void;
  /**
   * Start from a config file (in a directory of its own), so that `reconfigure` can reload it.
   * Off by default: relative paths in the config (router artifacts) then resolve against that
   * directory, not the project's.
   */
  reloadable?: boolean;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const sim = await startSim({ port: 0, ...opts.sim });
  const raw = baseConfig(sim.url);
  opts.patch?.(raw);
  const config = parseConfig(JSON.stringify(raw), process.env, "test config");
  // The config as a file, so that `reconfigure` can reload it (interpolated already: no `${...}` left).
  const file = opts.reloadable ? join(mkdtempSync(join(tmpdir(), "octoroute-config-")), "octoroute.json") : undefined;
  if (file) writeFileSync(file, JSON.stringify(raw));
  const gateway = await startGateway({ config: file ?? config, port: 0, hooks: opts.hooks, plugins: opts.plugins, log: opts.log ?? (() => {}) });
  const baseURL = `${gateway.url}/v1`;
  return {
    sim,
    gateway,
    baseURL,
    config,
    client: (key = KEY_A, extra = {}) => new OpenAI({ apiKey: key, baseURL, maxRetries: 0, timeout: 20_000, ...extra }),
    reconfigure(patch) {
      if (!file) throw new Error("startStack({ reloadable: true }) to reconfigure");
      patch(raw);
      writeFileSync(file, JSON.stringify(raw));
      const err = gateway.reload();
      if (err) throw err;
    },
    close: async () => {
      await gateway.close();
      await sim.close();
    },
  };
}

/** Raw HTTP to the gateway (for what the SDK would refuse to send). */
export function post(stack: Stack, path: string, body: unknown, headers: Record<string, string> = {}, key: string | null = KEY_A): Promise<Response> {
  return fetch(`${stack.gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
