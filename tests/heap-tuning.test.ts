/**
 * `server.heapGrowthPercent`: the gateway sets V8's heap growing factor at start, unless the
 * operator gave `--heap-growing-percent` on node's command line.
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
