/**
 * Offline router metrics, computed exactly as RouteLLM's `evals/benchmarks.py` + `evaluate.py` do
 * for a strong/weak pair: thresholds at the 11 edges of 10 equal-count bins of the scores (pandas
 * `qcut`, linear quantiles), strong when `score >= t` (strict `>` at the top edge), curve sorted by
 * % strong calls, trapezoid areas over % strong / 100, CPT by `np.interp` of the target quality
 * over that curve. Plus the multi-model view (cost vs quality, single models, oracle, frontier).
 */

export interface CurvePoint {
  threshold: number;
  /** % of prompts sent to the strong model (0..100). */
  strongPct: number;
  /** Mean quality × 100 (accuracy in %). */
  quality: number;
}

export interface PairMetrics {
  apgr: number;
  /** % strong calls to recover 20/50/80% of the quality gap. */
  cpt20: number;
  cpt50: number;
  cpt80: number;
  weak: number;
  strong: number;
  curve: CurvePoint[];
}

/** Linear-interpolation quantile (numpy's default, used by pandas `qcut`). */
export function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** numpy `interp(x, xp, fp)`: binary search over xp (assumed increasing), clamped at the ends. */
export function interp(x: number, xp: number[], fp: number[]): number {
  const n = xp.length;
  if (!n) return NaN;
  if (x <= xp[0]!) return fp[0]!;
  if (x >= xp[n - 1]!) return fp[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const dx = xp[hi]! - xp[lo]!;
  return dx === 0 ? fp[lo]! : fp[lo]! + ((fp[hi]! - fp[lo]!) * (x - xp[lo]!)) / dx;
}

function trapz(y: number[], x: number[]): number {
  let s = 0;
  for (let i = 1; i < x.length; i++) s += ((y[i]! + y[i - 1]!) / 2) * (x[i]! - x[i - 1]!);
  return s;
}

/** The quality-vs-strong-share curve of RouteLLM for `scores` (higher = send to strong). */
export function pairCurve(scores: number[], strong: number[], weak: number[], numResults = 10): CurvePoint[] {
  const n = scores.length;
  const sorted = [...scores].sort((a, b) => a - b);
  const thresholds = Array.from({ length: numResults + 1 }, (_, i) => quantile(sorted, i / numResults));
  const points = thresholds.map((t, i) => {
    let count = 0;
    let q = 0;
    for (let j = 0; j < n; j++) {
      const toStrong = i !== thresholds.length - 1 ? scores[j]! >= t : scores[j]! > t;
      if (toStrong) count++;
      q += toStrong ? strong[j]! : weak[j]!;
    }
    return { threshold: t, strongPct: (count / n) * 100, quality: (q / n) * 100 };
  });
  // Stable sort by % strong (pandas sorts the same points; ties keep threshold order).
  return points.map((p, i) => ({ p, i })).sort((a, b) => a.p.strongPct - b.p.strongPct || a.i - b.i).map((x) => x.p);
}

/** APGR and CPT of a router's scores on a strong/weak dataset. */
export function pairMetrics(scores: number[], strong: number[], weak: number[], numResults = 10): PairMetrics {
  const n = scores.length;
  const strongAcc = (strong.reduce((a, b) => a + b, 0) / n) * 100;
  const weakAcc = (weak.reduce((a, b) => a + b, 0) / n) * 100;
  const curve = pairCurve(scores, strong, weak, numResults);
  const x = curve.map((p) => p.strongPct / 100);
  const auc = trapz(curve.map((p) => p.quality), x);
  const weakAuc = trapz(curve.map(() => weakAcc), x);
  const strongAuc = trapz(curve.map(() => strongAcc), x);
  const cpt = (pct: number) => interp(pct * (strongAcc - weakAcc) + weakAcc, curve.map((p) => p.quality), curve.map((p) => p.strongPct));
  return { apgr: (auc - weakAuc) / (strongAuc - weakAuc), cpt20: cpt(0.2), cpt50: cpt(0.5), cpt80: cpt(0.8), weak: weakAcc, strong: strongAcc, curve };
}

export interface CostQualityPoint {
  label: string;
  /** Total cost over the dataset (USD). */
  cost: number;
  /** Mean quality (0..1). */
  quality: number;
}

/** (total cost, mean quality) of sending every prompt to `choice(i)`. */
export function costQuality(label: string, n: number, choice: (i: number) => string, quality: (i: number, m: string) => number, cost: (i: number, m: string) => number): CostQualityPoint {
  let c = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const m = choice(i);
    c += cost(i, m);
    q += quality(i, m);
  }
  return { label, cost: c, quality: q / n };
}

/** Upper-left frontier: points sorted by cost, each strictly better in quality than every cheaper one. */
export function frontier(points: CostQualityPoint[]): CostQualityPoint[] {
  const out: CostQualityPoint[] = [];
  for (const p of [...points].sort((a, b) => a.cost - b.cost || b.quality - a.quality)) {
    if (!out.length || p.quality > out[out.length - 1]!.quality) out.push(p);
  }
  return out;
}

/** Whether `curve` (a frontier) reaches at least `p`'s quality at no more than its cost. */
export function dominates(curve: CostQualityPoint[], p: CostQualityPoint): boolean {
  return curve.some((c) => c.cost <= p.cost && c.quality >= p.quality && (c.cost < p.cost || c.quality > p.quality));
}

/** Cheapest cost at which the frontier reaches `target` quality (linear interpolation between its points). */
export function costAtQuality(curve: CostQualityPoint[], target: number): number | null {
  const f = frontier(curve);
  for (let i = 0; i < f.length; i++) {
    if (f[i]!.quality >= target) {
      if (i === 0) return f[0]!.cost;
      const a = f[i - 1]!;
      const b = f[i]!;
      return a.cost + ((b.cost - a.cost) * (target - a.quality)) / (b.quality - a.quality);
    }
  }
  return null;
}
