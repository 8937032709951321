/**
 * vitest global setup: compiles `src/` into `dist/` once, before any test file runs, when the
 * sources changed since the last build — so the tests that start `bin/octoroute.mjs` run what
 * `npm start` runs, and never race each other to build it.
 */
import { buildDist, distIsCurrent } from "../../scripts/build.mjs";

export default async function setup(): Promise<void> {
  if (!distIsCurrent()) await buildDist();
}
