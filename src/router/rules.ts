/**
 * `rules` router: ordered conditions over request features and metadata; the first rule that
 * matches names the node. Operators: eq, ne, in, regex, gt, gte, lt, lte, exists, combined with
 * and / or / not. Regexes are compiled once per route, when the router is built.
 */
import type { RuleCondition } from "../config/routes.js";
import type { RequestFeatures } from "./features.js";
import type { RouteDecision, Router, RouterContext } from "./types.js";

type Compiled = (f: RequestFeatures) => boolean;

/** Reads a dotted path (`promptTokens`, `meta.team`, `domains.math`) from the features. */
export function featureValue(f: RequestFeatures, path: string): unknown {
  let v: unknown = f;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

/** Compiles a condition into a predicate (regexes compiled here, once). */
export function compileCondition(c: RuleCondition): Compiled {
  if ("and" in c) {
    const parts = c.and.map(compileCondition);
    return (f) => parts.every((p) => p(f));
  }
  if ("or" in c) {
    const parts = c.or.map(compileCondition);
    return (f) => parts.some((p) => p(f));
  }
  if ("not" in c) {
    const inner = compileCondition(c.not);
    return (f) => !inner(f);
  }
  const re = c.regex !== undefined ? new RegExp(c.regex, "i") : undefined;
  return (f) => {
    const v = featureValue(f, c.field);
    if (c.exists !== undefined && (v !== undefined && v !== "") !== c.exists) return false;
    if (c.eq !== undefined && v !== c.eq && String(v) !== String(c.eq)) return false;
    if (c.ne !== undefined && (v === c.ne || String(v) === String(c.ne))) return false;
    if (c.in !== undefined && !c.in.some((x) => x === v || String(x) === String(v))) return false;
    if (re && (v === undefined || !re.test(String(v)))) return false;
    const num = typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Number.NaN;
    if (c.gt !== undefined && !(num > c.gt)) return false;
    if (c.gte !== undefined && !(num >= c.gte)) return false;
    if (c.lt !== undefined && !(num < c.lt)) return false;
    if (c.lte !== undefined && !(num <= c.lte)) return false;
    return true;
  };
}

export function rulesRouter(config: Extract<RouterContext["config"], { type: "rules" }>): Router {
  const rules = config.rules.map((r, i) => ({ test: compileCondition(r.when), node: r.node, reason: r.reason ?? `rule ${i + 1}` }));
  return {
    type: "rules",
    decide(ctx: RouterContext): RouteDecision {
      for (const r of rules) {
        if (r.test(ctx.features) && ctx.candidates.includes(r.node)) return { node: r.node, reason: `rules: ${r.reason} matched` };
      }
      return { node: ctx.fallback, reason: "rules: no rule matched, default node" };
    },
  };
}
