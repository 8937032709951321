#!/usr/bin/env node
/**
 * `octoroute <command>`: the command line. Each command lives in its own module under `src/cli/`
 * and is loaded only when used, so `serve` starts fast.
 */
/**
 * A command's module: `run` does the work; `usage` (when exported) is printed for
 * `octoroute <command> --help` or `-h`, before any other option is looked at.
 */
interface CommandModule {
  run(args: string[]): Promise<number>;
  usage?: string;
}

const COMMANDS: Record<string, { describe: string; load: () => Promise<CommandModule> }> = {
  serve: { describe: "run the gateway (default)", load: () => import("./cli/serve.js") },
  sim: { describe: "run the simulated upstream alone", load: () => import("./cli/sim.js") },
  keys: { describe: "keys mint [--tenant NAME]: mint an API key and print the config line", load: () => import("./cli/keys.js") },
  schema: { describe: "schema [--write|--check]: the config's JSON Schema (config/schema.json)", load: () => import("./cli/schema.js") },
  config: { describe: "config check [--config FILE]: validate a config file", load: () => import("./cli/config-check.js") },
  router: { describe: "router train|eval|calibrate --data FILE.jsonl: train, evaluate (RouteLLM metrics) and calibrate routers", load: () => import("./cli/router.js") },
  eval: { describe: "eval --dataset FILE --model M --strategies LIST: accuracy/tokens/cost/latency per strategy", load: () => import("./cli/eval.js") },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.describe}`);
  return `usage: octoroute <command> [options]   (octoroute --version: the version)\n\ncommands:\n${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(usage());
    return 0;
  }
  if (first === "--version" || first === "-v" || first === "version") {
    const { readFileSync } = await import("node:fs");
    // The project's package.json, from the sources (`src/`) or the compiled tree (`dist/src/`).
    let version = "unknown";
    for (const rel of ["../package.json", "../../package.json"]) {
      try {
        const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
        if (pkg.name === "octoroute") {
          version = pkg.version ?? version;
          break;
        }
      } catch {
        /* not there: the next candidate */
      }
    }
    process.stdout.write(`octoroute ${version} (node ${process.version})\n`);
    return 0;
  }
  const name = !first || first.startsWith("-") ? "serve" : first;
  const args = !first || first.startsWith("-") ? argv : rest;
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  if (mod.usage !== undefined && (args.includes("--help") || args.includes("-h"))) {
    process.stdout.write(`${mod.usage}\n`);
    return 0;
  }
  return mod.run(args);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err) => {
    // What the user can fix (unreadable data, a missing file) is said in one line; anything else
    // is a bug and keeps its stack.
    const e = err as NodeJS.ErrnoException;
    const usage = e?.name === "UsageError" || String(e?.code ?? "").startsWith("ERR_PARSE_ARGS");
    const theirs = usage || e?.name === "DataError" || e?.code === "ENOENT" || e?.code === "EACCES" || e?.code === "EISDIR";
    process.stderr.write(theirs ? `octoroute: ${e.message}\n` : `${e?.stack ?? err}\n`);
    process.exitCode = usage ? 2 : theirs ? 66 : 1;
  },
);
