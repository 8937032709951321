/**
 * `server.heapGrowthPercent`: the gateway sets V8's heap growing factor at start, unless the
 * operator gave `--heap-growing-percent` on node's command line. `server.pretenuring`: likewise
 * for V8's allocation-site pretenuring, checked by what V8 does (its pretenuring trace).
 * Each case runs in a fresh node process, since V8 flags are per process.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("../src/node/heap-tuning.ts", import.meta.url));

function run(percent: number, nodeArgs: string[] = []): string {
  const script = `import(${JSON.stringify(MODULE)}).then((m) => console.log(JSON.stringify(m.applyHeapGrowth(${percent}))))`;
  return execFileSync(process.execPath, [...nodeArgs, "--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, NODE_OPTIONS: "" },
    encoding: "utf8",
  }).trim();
}

describe("heap growth setting", () => {
  it("applies the configured factor when the operator gave none", () => {
    expect(run(60)).toBe('"set"');
  });

  it("keeps a --heap-growing-percent given on node's command line", () => {
    expect(run(60, ["--heap-growing-percent=30"])).toBe('"operator"');
  });

  it("leaves V8's own heuristic alone at 0", () => {
    expect(run(0)).toBe('"v8"');
  });
});

/**
 * Runs `applyPretenuring(enabled)`, then a loop whose object literals survive young-generation
 * GCs (what makes V8 consider pretenuring their allocation sites), under V8's pretenuring trace.
 * Returns the setting's result and how many pretenuring decisions V8 traced.
 */
function pretenuringRun(enabled: boolean, nodeArgs: string[] = []): { result: string; decisions: number } {
  const script = `const m = await import(${JSON.stringify(MODULE)});
    const result = m.applyPretenuring(${enabled});
    const keep = [];
    for (let i = 0; i < 1e6; i++) { keep.push({ a: i, b: [i, i + 1] }); if (keep.length > 100000) keep.length = 0; }
    console.log("result=" + result);`;
  const out = execFileSync(process.execPath, ["--trace-pretenuring-statistics", ...nodeArgs, "--import", "tsx", "--input-type=module", "-e", script], {
    env: { ...process.env, NODE_OPTIONS: "" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { result: /result=(\w+)/.exec(out)?.[1] ?? "", decisions: out.split("\n").filter((l) => l.includes("pretenuring:")).length };
}

describe("pretenuring setting", () => {
  it("turns V8's allocation-site pretenuring off: no site is considered", () => {
    const off = pretenuringRun(false);
    expect(off.result).toBe("set");
    expect(off.decisions).toBe(0);
  });

  it("leaves it on when configured so (the same loop does make V8 consider its sites)", () => {
    const on = pretenuringRun(true);
    expect(on.result).toBe("set");
    expect(on.decisions).toBeGreaterThan(0);
  });

  it("keeps the flag given on node's command line", () => {
    const kept = pretenuringRun(false, ["--allocation-site-pretenuring"]);
    expect(kept.result).toBe("operator");
    expect(kept.decisions).toBeGreaterThan(0);
    expect(pretenuringRun(true, ["--no-allocation-site-pretenuring"])).toEqual({ result: "operator", decisions: 0 });
  });
});
