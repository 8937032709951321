/**
 * `classifier` and `knn` routers: both predict, per artifact label, how well that model would
 * answer; they differ only in how (logistic regression vs similarity-weighted neighbours).
 * Pair artifacts route to the strong node when `P(strong) − P(weak)` ≥ threshold, where the
 * threshold comes from the route (`threshold`), or from the quality knob through the artifact's
 * calibration table (quality = expected share of strong traffic). Multi-model artifacts pick
 * the candidate with the best `quality·P − (1−quality)·cost` (see `learning/choose.ts`).
 */
import { LRUCache } from "lru-cache";
import type { RouterConfig } from "../config/routes.js";
import { knnQuality, type LoadedArtifact, loadArtifact, pairScore, predictQuality, thresholdForShare } from "./learning/artifact.js";
import { chooseByUtility, utilities } from "./learning/choose.js";
import { type KnnIndex, knnIndex } from "./learning/knn-index.js";
import { vectorize, type SparseVector } from "./learning/vectorize.js";
import type { RouteDecision, Router, RouterContext } from "./types.js";

type LearnedConfig = Extract<RouterConfig, { type: "classifier" | "knn" }>;

/** Default knob for pair routers without a threshold: half of the traffic may go to the strong model. */
const DEFAULT_QUALITY = 0.5;

const round = (v: number) => Math.round(v * 1e4) / 1e4;

/** Estimated USD of a request on a node (prompt + expected output), for multi-model utilities. */
function estimateCost(ctx: RouterContext, node: string, fallback: number): number {
  const price = ctx.runtime.catalog.get(node)?.price;
  if (!price) return fallback;
  const out = ctx.features.maxOutputTokens ?? 256;
  return (ctx.features.promptTokens * price.input + out * price.output) / 1e6;
}

export function learnedRouter(config: LearnedConfig): Router {
  if (typeof config.artifact === "string") throw new Error(`router artifact "${config.artifact}" was not loaded (paths are resolved by the Node entry)`);
  const loaded: LoadedArtifact = loadArtifact(config.artifact, `${config.type} artifact`);
  const a = loaded.artifact;
  if ((a.router === "knn") !== (config.type === "knn")) throw new Error(`a ${config.type} route needs a ${config.type} artifact, got ${a.router}`);
  const nodeOf = (label: string) => config.labels?.[label] ?? label;
  const k = config.type === "knn" ? config.k : 20;
  // Vectors from a configured embeddings model are cached by text (the same prompt is not embedded twice).
  const embedCache = new LRUCache<string, SparseVector>({ max: 2000 });
  let exampleEmbeddings: Promise<KnnIndex> | undefined;

  async function embeddingVectors(ctx: RouterContext): Promise<{ query: SparseVector; index: KnnIndex } | undefined> {
    if (config.type !== "knn" || !config.embeddings || !ctx.models) return undefined;
    const client = ctx.models(config.embeddings);
    const toSparse = (v: number[]): SparseVector => ({ idx: v.map((_, i) => i), val: v });
    const embed = async (texts: string[]) => {
      const res = await client.embed({ model: config.embeddings!, input: texts, encoding_format: "float" }, { purpose: "embedding" });
      return res.data.sort((x, y) => x.index - y.index).map((d) => toSparse(d.embedding as number[]));
    };
    // The examples are embedded once per router instance, on the first request (billed to it).
    exampleEmbeddings ??= embed(loaded.examples.map((e) => e.text)).then(knnIndex).catch((err) => {
      exampleEmbeddings = undefined;
      throw err;
    });
    let query = embedCache.get(ctx.features.text);
    if (!query) {
      query = (await embed([ctx.features.text]))[0]!;
      embedCache.set(ctx.features.text, query);
    }
    return { query, index: await exampleEmbeddings };
  }

  return {
    type: config.type,
    async decide(ctx: RouterContext): Promise<RouteDecision> {
      let quality: number[];
      const emb = await embeddingVectors(ctx);
      if (emb) {
        quality = knnQuality(emb.index.cosine(emb.query), loaded.examples, k, a.labels.length);
      } else {
        quality = predictQuality(loaded, vectorize(ctx.features, a.dims), k);
      }
      const scores: Record<string, number> = {};
      a.labels.forEach((l, i) => (scores[nodeOf(l)] = round(quality[i]!)));
      if (a.pair) {
        const strong = nodeOf("strong");
        const weak = nodeOf("weak");
        const score = pairScore(a.labels, quality);
        const knob = ctx.quality ?? config.quality;
        const threshold =
          ctx.quality === undefined && config.threshold !== undefined
            ? config.threshold
            : a.calibration
              ? thresholdForShare(a.calibration, knob ?? DEFAULT_QUALITY)
              : 1 - 2 * (knob ?? DEFAULT_QUALITY);
        scores.score = round(score);
        let node = score >= threshold ? strong : weak;
        if (!ctx.candidates.includes(node)) node = ctx.candidates.includes(weak) ? weak : ctx.fallback;
        return { node, reason: `${config.type}: strong-win score ${score.toFixed(3)} ${score >= threshold ? ">=" : "<"} threshold ${threshold.toFixed(3)}`, scores, threshold: round(threshold) };
      }
      // Multi-model: only labels that map to an allowed candidate compete.
      const usable = a.labels.map((l, i) => ({ node: nodeOf(l), i })).filter((x) => ctx.candidates.includes(x.node));
      if (!usable.length) return { node: ctx.fallback, reason: `${config.type}: no artifact label maps to a candidate, default node`, scores };
      const knob = ctx.quality ?? config.quality ?? DEFAULT_QUALITY;
      const predicted = usable.map((x) => quality[x.i]!);
      const costs = usable.map((x) => estimateCost(ctx, x.node, a.meanCost?.[x.i] ?? 0));
      const pick = chooseByUtility(predicted, costs, knob);
      const u = utilities(predicted, costs, knob);
      return { node: usable[pick]!.node, reason: `${config.type}: best quality-cost utility ${u[pick]!.toFixed(3)} at quality ${knob}`, scores, threshold: knob };
    },
  };
}
