/**
 * Router artifacts at the edge. A route's classifier or knn `artifact` may be a path, relative to
 * the config file as on Node (`routers/mmlu-classifier.json`). Workers have no files, so paths
 * are read from the `OCTOROUTE_FILES` static-assets binding. `wrangler.toml` uploads the `config/`
 * directory under it, and the Worker runs first, so these files are never served to clients.
 * Inline artifacts need no binding. Problems are collected like the Node entry's
 * (`node/router-config.ts`), so a missing artifact fails the config load and says which route.
 */
import type { OctorouteConfig } from "../config/schema.js";
import { routeProblems } from "../router/validate.js";

/** The part of a static-assets binding (`Fetcher`) this uses. */
export interface FilesLike {
  fetch(input: string): Promise<Response>;
}

/** Inlines every artifact named by path (in place); returns the config's route problems. */
export async function loadEdgeArtifacts(config: OctorouteConfig, files: FilesLike | undefined): Promise<string[]> {
  const problems = routeProblems(config);
  const loads = Object.entries(config.routes).map(async ([name, route]) => {
    const r = route.router;
    if (!r || (r.type !== "classifier" && r.type !== "knn") || typeof r.artifact !== "string") return;
    const at = `routes.${name}.router.artifact`;
    if (!files) {
      problems.push(`${at}: "${r.artifact}" is a path, and Workers have no files: add the OCTOROUTE_FILES assets binding (as wrangler.toml does) or put the artifact inline`);
      return;
    }
    // Relative to the config directory, which is the root of the uploaded files.
    const path = r.artifact.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
    try {
      const res = await files.fetch(`https://octoroute-files/${path}`);
      if (!res.ok) {
        problems.push(`${at}: cannot load ${path} from the OCTOROUTE_FILES assets (${res.status})`);
        return;
      }
      r.artifact = (await res.json()) as typeof r.artifact;
    } catch (err) {
      problems.push(`${at}: cannot load ${path} from the OCTOROUTE_FILES assets: ${(err as Error).message}`);
    }
  });
  await Promise.all(loads);
  return problems;
}
