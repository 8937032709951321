/** Loads a sim config file (YAML/JSON): `{models: [...], defaults: {...}}`. */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { SimOptions } from "./server.js";

export function loadSimConfig(path: string): Pick<SimOptions, "models" | "defaults"> {
  const raw = parseYaml(readFileSync(path, "utf8")) as Pick<SimOptions, "models" | "defaults">;
  if (raw?.models && !Array.isArray(raw.models)) throw new Error(`${path}: models must be a list`);
  return { models: raw?.models, defaults: raw?.defaults };
}
