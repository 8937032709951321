/** `octoroute config check [--config FILE]`: validates a config and reports every problem by path. */
import { ConfigError } from "../config/loader.js";
import { configPathFrom, loadConfigFile } from "../node/config-file.js";
import { checkFlags } from "./args.js";
import { configWarnings } from "../config/warnings.js";

export const usage = "usage: octoroute config check [--config FILE]   (env: OCTOROUTE_CONFIG; reports every problem by path)";

export async function run(args: string[]): Promise<number> {
  // `config check --config FILE`: a mistyped option would otherwise check the default file.
  checkFlags(args[0] === "check" ? args.slice(1) : args, ["config"]);
  const path = configPathFrom(args, process.env);
  try {
    const cfg = loadConfigFile(path);
    for (const w of configWarnings(cfg)) console.log(`warning: ${w}`);
    console.log(`${path}: ok (${Object.keys(cfg.models).length} models, ${Object.keys(cfg.routes).length} routes, ${Object.keys(cfg.tenants).length} tenants)`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 78;
    }
    throw err;
  }
}
