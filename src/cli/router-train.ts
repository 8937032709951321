/**
 * `octoroute router train --data FILE.jsonl [--router classifier|knn] [--out FILE.json]`: trains a
 * router on routing data (formats of shared/data/routing) and writes the small JSON artifact a
 * `classifier`/`knn` route loads. Prints the calibration (threshold per strong share) for pair data.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { thresholdForShare } from "../router/learning/artifact.js";
import { parseRoutingJsonl } from "../router/learning/dataset.js";
import { DEFAULT_TRAIN, type TrainableRouter, trainArtifact } from "../router/learning/train.js";
import { checkFlags, flag, numberFlag } from "./args.js";

export const usage = "usage: octoroute router train --data FILE.jsonl [--router classifier|knn] [--out FILE.json] [--dims N] [--l2 X] [--epochs N] [--k N]";

export async function run(args: string[]): Promise<number> {
  checkFlags(args, ["data", "router", "out", "dims", "l2", "epochs", "k"]);
  const data = flag(args, "data");
  if (!data) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const router = (flag(args, "router") ?? "classifier") as TrainableRouter;
  if (router !== "classifier" && router !== "knn") {
    process.stderr.write(`--router must be classifier or knn, got "${router}"\n`);
    return 2;
  }
  const dims = numberFlag(args, "dims", DEFAULT_TRAIN.dims);
  if (dims < 16 || (dims & (dims - 1)) !== 0) {
    process.stderr.write("--dims must be a power of two ≥ 16\n");
    return 2;
  }
  const opts = {
    ...DEFAULT_TRAIN,
    router,
    dims,
    l2: numberFlag(args, "l2", DEFAULT_TRAIN.l2),
    epochs: numberFlag(args, "epochs", DEFAULT_TRAIN.epochs),
    k: numberFlag(args, "k", DEFAULT_TRAIN.k),
  };
  const ds = parseRoutingJsonl(readFileSync(data, "utf8"), data);
  for (const note of ds.notes) process.stderr.write(`note: ${note}\n`);
  const started = Date.now();
  const artifact = trainArtifact(ds, opts, data);
  const out = flag(args, "out") ?? `config/routers/${router}.json`;
  mkdirSync(dirname(out), { recursive: true });
  const text = JSON.stringify(artifact);
  writeFileSync(out, text);
  console.log(`trained ${router} on ${ds.rows.length} ${ds.kind} rows (${ds.models.length} labels) in ${Date.now() - started} ms → ${out} (${(text.length / 1024).toFixed(0)} KiB)`);
  if (artifact.calibration) {
    console.log("calibration (held-out scores): strong share → threshold");
    for (const s of [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) console.log(`  ${(s * 100).toFixed(0).padStart(3)}%  ${thresholdForShare(artifact.calibration, s).toFixed(4)}`);
  }
  return 0;
}
