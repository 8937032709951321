/**
 * Votes over candidate answers: plain or weighted majority on extracted answer keys, with free-text
 * answers clustered by similarity first (the largest cluster's most central member wins). Ties go
 * to the answer seen first, so a vote is deterministic for a given candidate order.
 */
import { extractAnswer, similarity } from "./answers.js";

export interface VoteResult {
  /** Index of the candidate returned as the answer. */
  winner: number;
  /** Vote key per candidate (free text replaced by its cluster key). */
  keys: string[];
  /** Total weight per key, in first-seen order. */
  tally: Array<{ key: string; weight: number; count: number }>;
  /** Winning weight share in [0,1]. */
  share: number;
}

const TEXT_CLUSTER_THRESHOLD = 0.5;

/** Vote keys for texts: extracted answers, free text clustered to its cluster's first member. */
export function voteKeys(texts: string[]): string[] {
  const keys = texts.map((t) => extractAnswer(t).key);
  const heads: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (!keys[i]!.startsWith("text:")) continue;
    const head = heads.find((h) => similarity(texts[h]!, texts[i]!) >= TEXT_CLUSTER_THRESHOLD);
    if (head === undefined) {
      heads.push(i);
      keys[i] = `cluster:${i}`;
    } else keys[i] = `cluster:${head}`;
  }
  return keys;
}

/** Majority vote (weights default to 1). Within the winning key, returns the most central member for clusters, else the heaviest. */
export function vote(texts: string[], weights?: number[]): VoteResult {
  if (texts.length === 0) throw new Error("vote over no candidates");
  const keys = voteKeys(texts);
  const w = weights ?? texts.map(() => 1);
  const tally: VoteResult["tally"] = [];
  const at = new Map<string, number>();
  keys.forEach((k, i) => {
    let slot = at.get(k);
    if (slot === undefined) {
      slot = tally.length;
      at.set(k, slot);
      tally.push({ key: k, weight: 0, count: 0 });
    }
    tally[slot]!.weight += w[i]!;
    tally[slot]!.count += 1;
  });
  let best = tally[0]!;
  for (const t of tally) if (t.weight > best.weight) best = t;
  const members = keys.map((k, i) => (k === best.key ? i : -1)).filter((i) => i >= 0);
  let winner = members[0]!;
  if (best.key.startsWith("cluster:") && members.length > 2) {
    let bestCentrality = -1;
    for (const i of members) {
      const c = members.reduce((s, j) => s + (i === j ? 0 : similarity(texts[i]!, texts[j]!)), 0);
      if (c > bestCentrality) {
        bestCentrality = c;
        winner = i;
      }
    }
  } else {
    for (const i of members) if (w[i]! > w[winner]!) winner = i;
  }
  const total = w.reduce((a, b) => a + b, 0);
  return { winner, keys, tally, share: total > 0 ? best.weight / total : 0 };
}
