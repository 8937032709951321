/**
 * Cross-reference checks of the routes' router sections against the catalog (rule nodes, label
 * maps, router/judge/embeddings models, defaults), reported at their path in the config file.
 * Runtime-agnostic; the Node entry runs it on load and on every reload (a bad reload keeps the
 * previous config).
 */
import type { OctorouteConfig } from "../config/schema.js";

/** Problems as `routes.<name>.<path>: message` strings (empty when all references resolve). */
export function routeProblems(config: OctorouteConfig): string[] {
  const out: string[] = [];
  const has = (m: string) => !!config.models[m];
  for (const [name, route] of Object.entries(config.routes)) {
    const at = (path: string, msg: string) => out.push(`routes.${name}.${path}: ${msg}`);
    if (route.default && !has(route.default)) at("default", `unknown model "${route.default}"`);
    const r = route.router;
    if (!r) continue;
    if (r.type === "rules") r.rules.forEach((rule, i) => has(rule.node) || at(`router.rules[${i}].node`, `unknown model "${rule.node}"`));
    if ((r.type === "classifier" || r.type === "knn") && r.labels) {
      for (const [label, node] of Object.entries(r.labels)) if (!has(node)) at(`router.labels.${label}`, `unknown model "${node}"`);
    }
    if (r.type === "knn" && r.embeddings && !has(r.embeddings)) at("router.embeddings", `unknown model "${r.embeddings}"`);
    if (r.type === "llm" && !has(r.model)) at("router.model", `unknown model "${r.model}"`);
    if (r.type === "cascade" && r.judge && !has(r.judge)) at("router.judge", `unknown model "${r.judge}"`);
    if (r.type !== "rules" && !route.candidates?.length && !route.default) at("candidates", `a ${r.type} route needs candidates`);
  }
  return out;
}
