/** `octoroute serve`: runs the gateway until SIGTERM/SIGINT, reloading its config on SIGHUP or change. */
import { ConfigError } from "../config/loader.js";
import { configPathFrom } from "../node/config-file.js";
import { closeAllDatabases } from "../node/database.js";
import { ListenError } from "../node/listen-error.js";
import { startGateway } from "../node.js";

export async function run(args: string[]): Promise<number> {
  const path = configPathFrom(args, process.env);
  const portArg = args.indexOf("--port");
  const port = portArg !== -1 ? Number(args[portArg + 1]) : process.env.PORT ? Number(process.env.PORT) : undefined;
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
