/** `octoroute keys mint [--tenant NAME]`: a new API key, and the hash line to paste into the config. */
import { mintKey } from "../tenants/keys.js";
import { checkFlags } from "./args.js";

export const usage = "usage: octoroute keys mint [--tenant NAME]   (a new API key and the hash line for the config)";

export async function run(args: string[]): Promise<number> {
  if (args[0] !== "mint") {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  checkFlags(args.slice(1), ["tenant"]);
  const i = args.indexOf("--tenant");
  const tenant = i !== -1 ? args[i + 1] : "my-team";
  const { key, hash } = await mintKey();
  process.stdout.write(
    `API key (give it to the tenant; it is not stored anywhere):\n  ${key}\n\n` +
      `Paste under tenants.${tenant}.keys in the config:\n  - "${hash}"\n`,
  );
  return 0;
}
