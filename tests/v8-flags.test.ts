/**
 * The V8 flags the launcher sets (scripts/v8-flags.mjs): concurrent marking off, checked by what
 * V8 does. Each case runs a fresh node process (V8 flags are per process) over the same workload,
 * which makes V8 run a few old-generation marking cycles, under `--trace-concurrent-marking`:
 * with concurrent marking on, marking tasks start over and over while JavaScript runs; with it
 * off, only the parallel marking inside each cycle's final pause is left.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../scripts/v8-flags.mjs", import.meta.url));

function run(opts: { nodeArgs?: string[]; env?: Record<string, string> } = {}): { applied: string[]; tasks: number } {
  const script = `const { applyGatewayV8Flags } = await import(${JSON.stringify(MODULE)});
    const applied = applyGatewayV8Flags();
    const keep = [];
    for (let i = 0; i < 6e6; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 5e5) keep.length = 0; }
    console.log("applied=" + JSON.stringify(applied));`;
  const out = execFileSync(process.execPath, ["--trace-concurrent-marking", ...(opts.nodeArgs ?? []), "--input-type=module", "-e", script], {
    env: { ...process.env, NODE_OPTIONS: "", OCTOROUTE_V8_DEFAULTS: "", ...opts.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const applied = JSON.parse(/applied=(.*)/.exec(out)?.[1] ?? "null") as string[];
  return { applied, tasks: out.split("\n").filter((l) => l.includes("Starting major concurrent marking task")).length };
}

describe("gateway V8 flags", () => {
  const defaults = run({ env: { OCTOROUTE_V8_DEFAULTS: "1" } });

  it("OCTOROUTE_V8_DEFAULTS=1 keeps V8's defaults: marking runs concurrently", () => {
    expect(defaults.applied).toEqual([]);
    expect(defaults.tasks).toBeGreaterThanOrEqual(6);
  });

  it("turns concurrent marking off: a fraction of the marking tasks", () => {
    const set = run();
    expect(set.applied).toEqual(["--no-concurrent-marking"]);
    expect(set.tasks * 2).toBeLessThan(defaults.tasks);
  });

  it("keeps a flag given on node's command line, in either spelling", () => {
    const kept = run({ nodeArgs: ["--concurrent_marking"] });
    expect(kept.applied).toEqual([]);
    expect(kept.tasks).toBeGreaterThanOrEqual(6);
    expect(run({ nodeArgs: ["--no-concurrent-marking"] }).applied).toEqual([]);
  });
});
