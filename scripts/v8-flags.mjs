// V8 flags the gateway's process runs with, set by `bin/octoroute.mjs` before anything else loads
// (so `npm start` and the `octoroute` command have them) and passed on the command line to the
// benches' gateway processes. Plain JavaScript, like build.mjs, so the launcher needs no tsx.
//
// `--no-concurrent-marking`: V8 marks the old generation on helper threads while JavaScript
// runs. On the small machines a gateway often gets (two cores shared with the request thread,
// the background thread and the upstream), that marking takes long to finish, and while it runs
// each young-generation GC promotes what it finds alive: the request thread promoted ~870 KB per
// young GC at c=16 with it, ~120 KB without, and ran 9 full GCs in 6 s against 0 (`--trace-gc-nvp`).
// `npm run bench:accounting` went from on/off 0.84–0.90 with +1.4 to +3.8 ms of added p99 to 0.91
// and 0.95 with +0.1 and −0.4 ms (docs/performance.md). Marking then runs in small steps on the
// request thread, which on this heap (~25 MB) costs less than the promotions it saves.
//
// The flag must be set before V8 starts a marking cycle (switching it while one runs is unsafe),
// which is why it is set first thing in the launcher and not from the config.
// OCTOROUTE_V8_DEFAULTS=1 keeps V8's defaults; a flag given on node's command line is kept.
import { setFlagsFromString } from "node:v8";

export const GATEWAY_V8_FLAGS = ["--no-concurrent-marking"];

/** The flag's name without `--` or `--no-`, with `_` read as `-` (V8 accepts either). */
function flagName(arg) {
  return arg.replace(/=.*$/, "").replace(/_/g, "-").replace(/^--(no-?)?/, "");
}

/** Sets GATEWAY_V8_FLAGS in this process unless opted out or given on the command line; returns the flags set. */
export function applyGatewayV8Flags(env = process.env, execArgv = process.execArgv) {
  if (env.OCTOROUTE_V8_DEFAULTS === "1") return [];
  const given = new Set(execArgv.filter((a) => a.startsWith("--")).map(flagName));
  const applied = GATEWAY_V8_FLAGS.filter((flag) => !given.has(flagName(flag)));
  for (const flag of applied) setFlagsFromString(flag);
  return applied;
}
