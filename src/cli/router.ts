/** `octoroute router train|eval|calibrate`: offline tooling for the learned routers. */
interface Sub {
  run(args: string[]): Promise<number>;
  usage: string;
}

const SUB: Record<string, () => Promise<Sub>> = {
  train: () => import("./router-train.js"),
  eval: () => import("./router-eval.js"),
  calibrate: () => import("./router-calibrate.js"),
};

/** Not exported as `usage`: `octoroute router <command> --help` is answered here, by the command. */
const usage = `usage: octoroute router train|eval|calibrate --data FILE.jsonl [options]
  train      fit a classifier or knn router on routing data (JSONL) and write its artifact
  eval       RouteLLM metrics (APGR, CPT) or the cost-quality frontier, with k-fold cross-validation
  calibrate  the threshold that sends a chosen share of traffic to the strong model
octoroute router <command> --help: that command's options`;

const asksHelp = (args: string[]) => args.includes("--help") || args.includes("-h");

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const load = sub ? SUB[sub] : undefined;
  if (!load) {
    const help = sub === undefined ? false : asksHelp([sub]);
    (help ? process.stdout : process.stderr).write(`${sub && !help ? `unknown router command "${sub}"\n` : ""}${usage}\n`);
    return help ? 0 : 2;
  }
  const mod = await load();
  if (asksHelp(rest)) {
    process.stdout.write(`${mod.usage}\n`);
    return 0;
  }
  return mod.run(rest);
}
