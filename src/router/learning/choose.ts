/**
 * From predicted quality to a node, the same way at serving time and in offline eval. Pair
 * routers compare the strong-minus-weak score with a threshold; multi-model routers maximise
 * `quality·P(good) − (1 − quality)·cost/maxCost`, so the knob slides from "cheapest" (0) to
 * "best predicted" (1).
 */

/** Index of the label with the best utility at knob `quality` (ties → cheaper). */
export function chooseByUtility(predicted: number[], costs: number[], quality: number): number {
  const maxCost = Math.max(...costs, 1e-12);
  let best = 0;
  let bestU = -Infinity;
  for (let i = 0; i < predicted.length; i++) {
    const u = quality * predicted[i]! - (1 - quality) * (costs[i]! / maxCost);
    if (u > bestU + 1e-12 || (Math.abs(u - bestU) <= 1e-12 && costs[i]! < costs[best]!)) {
      bestU = u;
      best = i;
    }
  }
  return best;
}

/** Utilities per label, for the explanation. */
export function utilities(predicted: number[], costs: number[], quality: number): number[] {
  const maxCost = Math.max(...costs, 1e-12);
  return predicted.map((p, i) => quality * p - (1 - quality) * (costs[i]! / maxCost));
}
