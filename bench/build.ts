/**
 * Compiles `src/`, `bench/` and `scripts/` to plain JavaScript (`scripts/build.mjs`, file by file, same
 * layout) under `node_modules/.cache/octoroute-bench/` (outside the type-checked tree; packages
 * still resolve from the project's node_modules), so the bench runs on plain `node`, as `npm start`
 * runs the gateway: the tsx loader adds 35–80 MB of RSS and per-closure costs that a deployed
 * gateway does not carry.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "../scripts/build.mjs";

/** Builds into `<root>/node_modules/.cache/octoroute-bench` and returns that directory. */
export async function buildForBench(root: string): Promise<string> {
  const out = join(root, "node_modules", ".cache", "octoroute-bench");
  rmSync(out, { recursive: true, force: true });
  await build({ root, out, dirs: ["src", "bench", "scripts"], skip: [join(root, "bench", "results")] });
  // Outside the project's package scope: say that these files are ES modules.
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }));
  return out;
}
