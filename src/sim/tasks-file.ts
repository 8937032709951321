/**
 * Where the sim's task file (`gsm8k-train.jsonl`, questions with worked solutions) is: env
 * `OCTOROUTE_TASKS`, else `shared/data/tasks/` beside the project — looked for from the working
 * directory, then from this module upwards, so the same code finds it from the sources, from
 * `dist/` (`npm start`) and from the bench's compiled tree.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const RELATIVE = join("shared", "data", "tasks", "gsm8k-train.jsonl");

/** The first existing candidate, or undefined. */
export function findTasksFile(): string | undefined {
  const env = process.env.OCTOROUTE_TASKS;
  if (env && existsSync(env)) return env;
  const fromCwd = join(process.cwd(), "..", RELATIVE);
  if (existsSync(fromCwd)) return fromCwd;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, RELATIVE);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
