/** `octoroute serve`: runs the gateway until SIGTERM/SIGINT, reloading its config on SIGHUP or change. */
import { ConfigError } from "../config/loader.js";
import { configPathFrom } from "../node/config-file.js";
import { closeAllDatabases } from "../node/database.js";
import { ListenError } from "../node/listen-error.js";
import { startGateway } from "../node.js";

export const usage = "usage: octoroute serve [--config FILE] [--port N]   (env: OCTOROUTE_CONFIG, PORT)";
const USAGE = `${usage}\n`;

export async function run(args: string[]): Promise<number> {
  // An unknown or incomplete option is a mistake to point out, not something to start without.
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE);
      return 0;
    }
    if ((a === "--config" || a === "--port") && args[i + 1] !== undefined && !args[i + 1]!.startsWith("--")) i++;
    else if (!a.startsWith("--config=")) {
      process.stderr.write(`octoroute serve: ${a === "--config" || a === "--port" ? `${a} needs a value` : `unknown option "${a}"`}\n${USAGE}`);
      return 2;
    }
  }
  const path = configPathFrom(args, process.env);
  const portArg = args.indexOf("--port");
  const port = portArg !== -1 ? Number(args[portArg + 1]) : process.env.PORT ? Number(process.env.PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    process.stderr.write(`octoroute serve: --port (or PORT) must be a port number from 0 to 65535, got "${portArg !== -1 ? args[portArg + 1] : process.env.PORT}"\n`);
    return 2;
  }
  let gw;
  try {
    gw = await startGateway({ config: path, port, watch: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`octoroute: ${err.message}\n`);
      return 78; // EX_CONFIG
    }
    if (err instanceof ListenError || (err instanceof Error && err.name === "CountersUnavailable")) {
      process.stderr.write(`octoroute: ${err.message}\n`);
      return 69; // EX_UNAVAILABLE
    }
    throw err;
  }
  console.log(`octoroute listening on ${gw.url} (config ${path})`);
  process.on("SIGHUP", () => gw.reload());
  const stop = (signal: string) => {
    console.log(`${signal}: finishing ${gw.inFlight()} in-flight request(s), then exiting`);
    // Close the embedded database last: it releases the file's lock, so the next start can open it.
    gw.close().then(() => {
      closeAllDatabases();
      process.exit(0);
    });
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  return await new Promise<number>(() => {});
}
