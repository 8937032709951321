/** Config loading: path-named errors, ${ENV} interpolation, the checked-in JSON Schema, the CLI's exit code. */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { configJsonSchema, SCHEMA_PATH } from "../src/cli/schema.js";
import { ConfigError, parseConfig } from "../src/config/loader.js";
import { baseConfig } from "./helpers/stack.js";

const run = promisify(execFile);

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("accepts the test config and the example config", () => {
    expect(() => parseConfig(JSON.stringify(baseConfig("http://127.0.0.1:1/v1")), {})).not.toThrow();
    expect(() => parseConfig(readFileSync("config/octoroute.example.yaml", "utf8"), {})).not.toThrow();
  });

  it("accepts the documented real-provider configs once their key is set", () => {
    const openai = parseConfig(readFileSync("config/openai.example.yaml", "utf8"), { OPENAI_API_KEY: "sk-test-value" });
    expect(openai.providers.openai!.apiKey).toBe("sk-test-value");
    const anthropic = parseConfig(readFileSync("config/anthropic.example.yaml", "utf8"), { ANTHROPIC_API_KEY: "sk-ant-test" });
    expect(anthropic.providers.anthropic!.type).toBe("anthropic");
  });

  it("names the path of every problem", () => {
    const cfg = baseConfig("http://127.0.0.1:1/v1") as { tenants: Record<string, { keys: unknown[] }>; models: Record<string, { provider: string }> };
    cfg.tenants["team-b"]!.keys[0] = "not-a-hash";
    cfg.models["sim-fast"]!.provider = "nowhere";
    const problems = problemsOf(() => parseConfig(JSON.stringify(cfg), {}));
    expect(problems.some((p) => p.startsWith("tenants.team-b.keys[0]:"))).toBe(true);
    expect(problems).toContain('models.sim-fast.provider: unknown provider "nowhere"');
  });

  it("interpolates ${ENV} with defaults and names a missing variable", () => {
    const yaml = `providers:\n  p: { type: openai, baseUrl: "\${BASE:-http://127.0.0.1:9/v1}", apiKey: "\${MY_KEY}" }\nmodels: { m: { provider: p } }\ntenants: {}\nserver: { port: "\${PORT}" }\n`;
    const cfg = parseConfig(yaml, { MY_KEY: "k-123", PORT: "9999" });
    expect(cfg.providers.p!.apiKey).toBe("k-123");
    expect(cfg.providers.p!.baseUrl).toBe("http://127.0.0.1:9/v1");
    expect(cfg.server.port).toBe(9999);
    const problems = problemsOf(() => parseConfig(yaml, { PORT: "1" }));
    expect(problems).toEqual(["providers.p.apiKey: environment variable MY_KEY is not set"]);
  });

  it("keeps config/schema.json current with the zod schema", () => {
    expect(readFileSync(SCHEMA_PATH, "utf8")).toBe(configJsonSchema());
  });

  it("exits non-zero from the CLI with the problem's path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-cfg-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "providers: {}\nmodels: { m: { provider: nope } }\ntenants: {}\n");
    const err = await run("npx", ["tsx", "src/cli.ts", "config", "check", "--config", file]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.code).not.toBe(0);
    expect(err!.stderr).toContain('models.m.provider: unknown provider "nope"');
  });

  it("warns, without refusing the config, of a tenant that may call nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "octoroute-cfg-"));
    const file = join(dir, "locked.yaml");
    const hash = `sha256:${"a".repeat(64)}`;
    writeFileSync(file, `providers: { p: { type: openai, baseUrl: "http://127.0.0.1:9/v1" } }\nmodels: { m: { provider: p } }\ntenants:\n  open: { keys: ["${hash}"], models: ["*"] }\n  locked: { keys: ["sha256:${"b".repeat(64)}"] }\n`);
    const { stdout } = await run("npx", ["tsx", "src/cli.ts", "config", "check", "--config", file]);
    const warnings = stdout.split("\n").filter((l) => l.startsWith("warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('tenant "locked" may call no model and no route');
    expect(warnings[0]).toContain("tenants.locked.models");
    expect(stdout).toContain(": ok (1 models, 0 routes, 2 tenants)");
  });
});
