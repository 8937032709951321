/**
 * `octoroute router calibrate --artifact FILE.json --data PROMPTS.jsonl --share 0.3`: RouteLLM's
 * calibration — the threshold that sends a chosen share of representative traffic to the strong
 * model is the (1 − share) quantile of the router's scores over that traffic. Prints the threshold
 * (for a route's `threshold:`) and the share it actually yields on the sample.
 */
import { readFileSync } from "node:fs";
import { loadArtifact, pairScore, predictQuality } from "../router/learning/artifact.js";
import { quantile } from "../router/learning/eval.js";
import { textFeatures } from "../router/features.js";
import { vectorize } from "../router/learning/vectorize.js";
import { checkFlags, flag, numberFlag } from "./args.js";
import { parseJsonText } from "../jsonl.js";
import { parsePromptsJsonl } from "../router/learning/dataset.js";

export const usage = "usage: octoroute router calibrate --artifact FILE.json --data PROMPTS.jsonl [--share 0.3]";

export async function run(args: string[]): Promise<number> {
  checkFlags(args, ["artifact", "data", "share"]);
  const artifactPath = flag(args, "artifact");
  const data = flag(args, "data");
  if (!artifactPath || !data) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const share = numberFlag(args, "share", 0.3);
  if (!(share >= 0 && share <= 1)) {
    process.stderr.write("--share must be between 0 and 1\n");
    return 2;
  }
  const loaded = loadArtifact(parseJsonText(readFileSync(artifactPath, "utf8"), artifactPath), artifactPath);
  if (!loaded.artifact.pair) {
    process.stderr.write("calibrate needs a strong/weak (pair) artifact; multi-model routes use the quality knob\n");
    return 2;
  }
  // Any JSONL with prompts (routing data, or a sample of real traffic) will do.
  const prompts = parsePromptsJsonl(readFileSync(data, "utf8"), data);
  const scores = prompts.map((p) => pairScore(loaded.artifact.labels, predictQuality(loaded, vectorize(textFeatures(p), loaded.artifact.dims))));
  const sorted = [...scores].sort((a, b) => a - b);
  const threshold = quantile(sorted, 1 - share);
  const actual = scores.filter((s) => s >= threshold).length / scores.length;
  console.log(`calibrated on ${prompts.length} prompts for a ${(share * 100).toFixed(1)}% strong share`);
  console.log(`threshold: ${threshold.toFixed(6)}`);
  console.log(`expected strong share at this threshold: ${(actual * 100).toFixed(1)}%`);
  return 0;
}
