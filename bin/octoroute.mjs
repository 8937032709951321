#!/usr/bin/env node
// `octoroute` command (and `npm start`): runs the compiled gateway from `dist/`, building it
// first when the sources changed since the last build (~2 s; `scripts/build.mjs` says why compiled
// code is worth it). Without TypeScript installed (a production install without dev
// dependencies and no `dist/`), it runs the sources through tsx's loader instead.
// OCTOROUTE_NO_BUILD=1 skips the build and always runs the sources through tsx.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildDist, distIsCurrent, DIST } from "../scripts/build.mjs";

async function entry() {
  if (process.env.OCTOROUTE_NO_BUILD === "1") return undefined;
  if (distIsCurrent()) return join(DIST, "src", "cli.js");
  try {
    await import("typescript");
  } catch {
    return undefined;
  }
  process.stderr.write("octoroute: compiling src/ into dist/ (first start, or the sources changed since the last build)\n");
  try {
    await buildDist();
  } catch (err) {
    // A read-only checkout (a container image, say): the sources still run, through tsx.
    process.stderr.write(`octoroute: could not write dist/ (${err.message}); running the sources through tsx instead\n`);
    return undefined;
  }
  return join(DIST, "src", "cli.js");
}

const compiled = await entry();
if (compiled) {
  await import(pathToFileURL(compiled).href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}
