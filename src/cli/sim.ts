/** `octoroute sim [--port N] [--config sim.yaml]`: the simulated upstream on its own. */
import { loadSimConfig } from "../sim/config.js";
import { startSim } from "../sim/server.js";
import { checkFlags } from "./args.js";
import { ListenError } from "../node/listen-error.js";

export const usage = "usage: octoroute sim [--port N] [--host ADDR] [--config sim.yaml]   (env: SIM_PORT; default port 4010)";

export async function run(args: string[]): Promise<number> {
  const get = (flag: string) => {
    const i = args.indexOf(flag);
    return i !== -1 ? args[i + 1] : undefined;
  };
  checkFlags(args, ["port", "host", "config"]);
  const cfg = get("--config");
  let sim;
  try {
    sim = await startSim({ port: Number(get("--port") ?? process.env.SIM_PORT ?? 4010), host: get("--host") ?? "127.0.0.1", ...(cfg ? loadSimConfig(cfg) : {}) });
  } catch (err) {
    if (!(err instanceof ListenError)) throw err;
    process.stderr.write(`octoroute sim: ${new ListenError(err.what, err.address, "--port or SIM_PORT", err.cause).message}\n`);
    return 69; // EX_UNAVAILABLE
  }
  console.log(`octoroute sim listening on ${sim.url} (models: ${[...sim.models.keys()].join(", ")})`);
  const stop = () => sim.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  return await new Promise<number>(() => {});
}
