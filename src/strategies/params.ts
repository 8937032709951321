/**
 * Parameter parsing for strategies: one engine, strict policy (DESIGN habit 5). Values come from
 * the `octoroute` body field (typed JSON) or the `x-octoroute-strategy` header (strings), so
 * numbers and booleans are coerced from strings; anything out of range is a 400 naming
 * `octoroute.<param>`, never silently clamped.
 */
import { GatewayError, invalidParam } from "../api/errors.js";
import type { BudgetLimits } from "./budget.js";
import type { StrategySpec } from "./types.js";

const name = (p: string) => `octoroute.${p}`;

/** Fields of `octoroute` that are not strategy parameters. */
export const RESERVED_FIELDS = new Set(["strategy", "trace", "budget"]);

export function intParam(params: Record<string, unknown>, key: string, def: number, min: number, max: number): number {
  const raw = params[key];
  if (raw === undefined || raw === null) return def;
  const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw invalidParam(name(key), `${name(key)} must be an integer from ${min} to ${max}.`);
  }
  return v;
}

export function numParam(params: Record<string, unknown>, key: string, def: number, min: number, max: number): number {
  const raw = params[key];
  if (raw === undefined || raw === null) return def;
  const v = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    throw invalidParam(name(key), `${name(key)} must be a number from ${min} to ${max}.`);
  }
  return v;
}

export function boolParam(params: Record<string, unknown>, key: string, def: boolean): boolean {
  const raw = params[key];
  if (raw === undefined || raw === null) return def;
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw invalidParam(name(key), `${name(key)} must be true or false.`);
}

export function enumParam<T extends string>(params: Record<string, unknown>, key: string, def: T, values: readonly T[]): T {
  const raw = params[key];
  if (raw === undefined || raw === null) return def;
  if (typeof raw !== "string" || !values.includes(raw as T)) throw invalidParam(name(key), `${name(key)} must be one of: ${values.join(", ")}.`);
  return raw as T;
}

export function stringParam(params: Record<string, unknown>, key: string): string | undefined {
  const raw = params[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "string" || !raw) throw invalidParam(name(key), `${name(key)} must be a non-empty string.`);
  return raw;
}

/** Rejects parameters the strategy does not know (a typo must not silently do nothing). */
export function rejectUnknown(params: Record<string, unknown>, known: readonly string[], strategy: string): void {
  for (const key of Object.keys(params)) {
    if (!known.includes(key) && !RESERVED_FIELDS.has(key)) {
      throw invalidParam(name(key), `Unknown parameter ${name(key)} for strategy "${strategy}". Known: ${known.join(", ") || "(none)"}.`);
    }
  }
}

/** A 400 for a capability the planned model lacks. */
export function capabilityMissing(strategy: string, capability: string, detail: string): GatewayError {
  return new GatewayError(`Strategy "${strategy}" needs ${capability}: ${detail}`, { status: 400, code: "capability_missing", param: "octoroute.strategy" });
}

/**
 * Parses `x-octoroute-strategy`: `name` or `name; key=value; key=value` (also `,`-separated).
 * Parameter names may use `-` or `_`.
 */
export function parseStrategyHeader(header: string): StrategySpec {
  const [head, ...rest] = header.split(/[;,]/).map((s) => s.trim());
  const params: Record<string, unknown> = {};
  for (const part of rest) {
    if (!part) continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw invalidParam("x-octoroute-strategy", `Expected key=value in x-octoroute-strategy, got "${part}".`);
    params[part.slice(0, eq).trim().replace(/-/g, "_")] = part.slice(eq + 1).trim();
  }
  return { name: head ?? "", params };
}

/** `octoroute.budget`: `{calls, tokens, usd, wall_ms, concurrency}` (each optional). */
export function parseBudget(raw: unknown): Partial<BudgetLimits> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParam("octoroute.budget", "octoroute.budget must be an object.");
  const b = raw as Record<string, unknown>;
  const out: Partial<BudgetLimits> = {};
  const known = ["calls", "tokens", "usd", "wall_ms", "concurrency"];
  for (const key of Object.keys(b)) if (!known.includes(key)) throw invalidParam(`octoroute.budget.${key}`, `Unknown budget field octoroute.budget.${key}. Known: ${known.join(", ")}.`);
  const int = (key: string, min: number) => {
    const v = b[key];
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) throw invalidParam(`octoroute.budget.${key}`, `octoroute.budget.${key} must be an integer ≥ ${min}.`);
    return v;
  };
  out.calls = int("calls", 1);
  out.tokens = int("tokens", 1);
  out.wallMs = int("wall_ms", 1);
  out.concurrency = int("concurrency", 1);
  if (b.usd !== undefined) {
    if (typeof b.usd !== "number" || !(b.usd > 0)) throw invalidParam("octoroute.budget.usd", "octoroute.budget.usd must be a number > 0.");
    out.usd = b.usd;
  }
  for (const k of Object.keys(out) as Array<keyof BudgetLimits>) if (out[k] === undefined) delete out[k];
  return out;
}
