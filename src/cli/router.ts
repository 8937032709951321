/** `octoroute router train|eval|calibrate`: offline tooling for the learned routers. */
const SUB: Record<string, () => Promise<{ run(args: string[]): Promise<number> }>> = {
  train: () => import("./router-train.js"),
  eval: () => import("./router-eval.js"),
  calibrate: () => import("./router-calibrate.js"),
};

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const load = sub ? SUB[sub] : undefined;
  if (!load) {
    process.stderr.write("usage: octoroute router train|eval|calibrate --data FILE.jsonl [options]\n");
    return 2;
  }
  return (await load()).run(rest);
}
