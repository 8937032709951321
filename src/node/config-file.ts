/** Reads the config file named by `--config` / `OCTOROUTE_CONFIG` (default: the example config). */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Price } from "../config/common.js";
import { ConfigError, parseConfig } from "../config/loader.js";
import { parsePriceCatalog } from "../telemetry/price-catalog.js";
import type { OctorouteConfig } from "../config/schema.js";

export const DEFAULT_CONFIG_PATH = "config/octoroute.example.yaml";

export function configPathFrom(argv: string[], env: NodeJS.ProcessEnv): string {
  const i = argv.indexOf("--config");
  if (i !== -1 && argv[i + 1]) return argv[i + 1]!;
  const eq = argv.find((a) => a.startsWith("--config="));
  if (eq) return eq.slice("--config=".length);
  return env.OCTOROUTE_CONFIG ?? DEFAULT_CONFIG_PATH;
}

export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): OctorouteConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, [String(err)]);
  }
  return parseConfig(text, env, path);
}

/** Loads the price catalog named in the config (relative to the config file), if any. */
export function loadPriceCatalog(config: OctorouteConfig, configPath: string): Record<string, Price> {
  if (!config.priceCatalog) return {};
  const p = isAbsolute(config.priceCatalog) ? config.priceCatalog : resolve(dirname(configPath), config.priceCatalog);
  try {
    return parsePriceCatalog(parseYaml(readFileSync(p, "utf8")), `price catalog ${p}`);
  } catch (err) {
    throw new ConfigError((err as Error).message, [(err as Error).message]);
  }
}
