/** `octoroute schema [--write|--check]`: JSON Schema of the config, generated from the zod schema. */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { configSchema } from "../config/schema.js";
import { checkFlags } from "./args.js";

export const SCHEMA_PATH = "config/schema.json";

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "Octoroute configuration" }, null, 2)}\n`;
}

export const usage = `usage: octoroute schema [--write | --check]
  prints the config's JSON Schema; --write saves it to ${SCHEMA_PATH}; --check fails when that file is out of date`;

export async function run(args: string[]): Promise<number> {
  checkFlags(args, [], ["write", "check"]);
  const text = configJsonSchema();
  if (args.includes("--write")) {
    writeFileSync(SCHEMA_PATH, text);
    console.log(`wrote ${SCHEMA_PATH}`);
    return 0;
  }
  if (args.includes("--check")) {
    const current = readFileSync(SCHEMA_PATH, "utf8");
    if (current !== text) {
      process.stderr.write(`${SCHEMA_PATH} is out of date: run npm run schema\n`);
      return 1;
    }
    return 0;
  }
  process.stdout.write(text);
  return 0;
}
