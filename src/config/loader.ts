/**
 * Turns config text into a validated config. Runtime-agnostic: the caller reads the file and
 * passes the environment. `${VAR}` and `${VAR:-default}` are interpolated in string values after
 * parsing (so a secret can never break the YAML syntax), and a missing variable is reported with
 * the path where it was used.
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { formatIssuePath } from "../api/schemas.js";
import { configSchema, type OctorouteConfig } from "./schema.js";

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

function interpolate(value: unknown, env: Record<string, string | undefined>, path: PropertyKey[], missing: string[]): unknown {
  if (typeof value === "string") {
    // A value that is exactly one placeholder takes the variable's YAML type (`8787` → number,
    // `true` → boolean), so ports and flags can come from the environment.
    const whole = /^\$\{[^}]+\}$/.test(value);
    const replaced = value.replace(VAR, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== "") return v;
      if (fallback !== undefined) return fallback;
      missing.push(`${formatIssuePath(path) || "(root)"}: environment variable ${name} is not set`);
      return "";
    });
    if (whole && replaced !== "") {
      const typed = parseYaml(replaced) as unknown;
      if (typeof typed === "number" || typeof typed === "boolean") return typed;
    }
    return replaced;
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, [...path, i], missing));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, [...path, k], missing);
    return out;
  }
  return value;
}

export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatIssuePath(issue.path) || "(root)"}: ${issue.message}`);
}

/** Parses YAML or JSON (JSON is valid YAML) and validates it. Throws ConfigError naming every problem. */
export function parseConfig(text: string, env: Record<string, string | undefined>, source = "config"): OctorouteConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source}: not valid YAML/JSON: ${(err as Error).message}`, [(err as Error).message]);
  }
  if (!raw || typeof raw !== "object") throw new ConfigError(`${source}: expected a mapping at the top level`, ["(root): expected a mapping"]);
  const missing: string[] = [];
  const interpolated = interpolate(raw, env, [], missing);
  if (missing.length) throw new ConfigError(`${source}: ${missing.join("; ")}`, missing);
  const result = configSchema.safeParse(interpolated);
  if (!result.success) {
    const problems = formatZodIssues(result.error);
    throw new ConfigError(`${source} is invalid:\n  ${problems.join("\n  ")}`, problems);
  }
  return result.data;
}
