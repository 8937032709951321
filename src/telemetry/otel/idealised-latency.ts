/**
 * Idealised per-model latency, after Narayanan et al., "Cheaply Evaluating Inference Efficiency
 * Metrics for Autoregressive Transformer APIs" (2023): raw wall time mixes a model's speed with how
 * long its answers happen to be, so models are compared on a per-token model of runtime instead —
 * a fixed time to first token plus a cost per output token.
 *
 * Two estimates per model, both kept as running sums (O(1) per call, nothing stored per request):
 * - from streamed calls, measured directly: time to first token, and (latency − TTFT) / (tokens − 1)
 *   as the per-output-token decode time;
 * - from every successful call, a least-squares fit latency ≈ a + b · outputTokens, which also works
 *   for buffered calls, where no first-token time exists.
 * The direct measurement wins when there are streamed calls; the fit fills in otherwise.
 */
import type { UsageRecord } from "../usage.js";
import { secondsPerOutputToken } from "./genai.js";

/** Fewest buffered calls a least-squares estimate is made from. */
const MIN_FIT_CALLS = 3;

/** Output length used to compare models on one normalised request. */
export const REFERENCE_OUTPUT_TOKENS = 256;

export interface ModelLatency {
  model: string;
  /** Successful calls seen. */
  calls: number;
  /** Streamed calls among them (those give direct TTFT and decode-time measurements). */
  streamedCalls: number;
  /** Mean time to first token, ms (streamed calls; else the fit's intercept). */
  ttftMs: number | null;
  /** Mean decode time per output token, ms (streamed calls; else the fit's slope). */
  msPerOutputToken: number | null;
  /** Mean raw wall time per output token, ms (what a naive comparison would use). */
  rawMsPerOutputToken: number | null;
  /** Mean wall time per call, ms. */
  meanLatencyMs: number;
  /** Idealised time for a reference answer: ttft + REFERENCE_OUTPUT_TOKENS × per-token time, ms. */
  idealisedMsPerReference: number | null;
  /** Where the per-token figures came from. */
  source: "streamed" | "fit" | "insufficient";
}

interface Sums {
  calls: number;
  latencyMs: number;
  outputTokens: number;
  // least-squares sums over (x = outputTokens, y = latencyMs)
  sx: number;
  sy: number;
  sxx: number;
  sxy: number;
  // streamed calls
  streamed: number;
  ttftMs: number;
  decodeMs: number;
  decodeTokens: number;
}

/** Running per-model latency profile, fed with usage records. */
export class LatencyProfile {
  private readonly byModel = new Map<string, Sums>();

  /** Adds one upstream call (failed and cancelled calls say nothing about speed and are skipped). */
  add(r: UsageRecord): void {
    if (r.status !== "ok" || r.operation === "embeddings") return;
    let s = this.byModel.get(r.model);
    if (!s) {
      s = { calls: 0, latencyMs: 0, outputTokens: 0, sx: 0, sy: 0, sxx: 0, sxy: 0, streamed: 0, ttftMs: 0, decodeMs: 0, decodeTokens: 0 };
      this.byModel.set(r.model, s);
    }
    s.calls++;
    s.latencyMs += r.latencyMs;
    s.outputTokens += r.outputTokens;
    s.sx += r.outputTokens;
    s.sy += r.latencyMs;
    s.sxx += r.outputTokens * r.outputTokens;
    s.sxy += r.outputTokens * r.latencyMs;
    const perToken = secondsPerOutputToken(r);
    if (perToken !== null && r.ttftMs !== null) {
      s.streamed++;
      s.ttftMs += r.ttftMs;
      s.decodeMs += perToken * 1000 * (r.outputTokens - 1);
      s.decodeTokens += r.outputTokens - 1;
    }
  }

  /** The profile of every model seen, fastest idealised first. */
  snapshot(): ModelLatency[] {
    const out: ModelLatency[] = [];
    for (const [model, s] of this.byModel) out.push(summarise(model, s));
    return out.sort((a, b) => (a.idealisedMsPerReference ?? Infinity) - (b.idealisedMsPerReference ?? Infinity));
  }
}

function summarise(model: string, s: Sums): ModelLatency {
  let ttft: number | null = null;
  let perToken: number | null = null;
  let source: ModelLatency["source"] = "insufficient";
  if (s.streamed > 0 && s.decodeTokens > 0) {
    ttft = s.ttftMs / s.streamed;
    perToken = s.decodeMs / s.decodeTokens;
    source = "streamed";
  } else {
    const denom = s.calls * s.sxx - s.sx * s.sx;
    // The fit needs a few calls of different lengths, and a slope that means something: longer
    // answers taking no longer (noise, or an upstream that buffers) is "not enough data", not 0.
    if (s.calls >= MIN_FIT_CALLS && denom > 0) {
      const slope = (s.calls * s.sxy - s.sx * s.sy) / denom;
      const intercept = (s.sy - slope * s.sx) / s.calls;
      if (slope > 0) {
        perToken = slope;
        ttft = Math.max(0, intercept);
        source = "fit";
      }
    }
  }
  return {
    model,
    calls: s.calls,
    streamedCalls: s.streamed,
    ttftMs: ttft,
    msPerOutputToken: perToken,
    rawMsPerOutputToken: s.outputTokens > 0 ? s.latencyMs / s.outputTokens : null,
    meanLatencyMs: s.latencyMs / s.calls,
    idealisedMsPerReference: ttft !== null && perToken !== null ? ttft + REFERENCE_OUTPUT_TOKENS * perToken : null,
    source,
  };
}

/** The latency profile of all calls and of each tenant's own (a tenant's dashboard shows only its calls). */
export class TenantLatency {
  private readonly all = new LatencyProfile();
  private readonly byTenant = new Map<string, LatencyProfile>();

  add(records: readonly UsageRecord[], tenant: string): void {
    let mine = this.byTenant.get(tenant);
    if (!mine) this.byTenant.set(tenant, (mine = new LatencyProfile()));
    for (const r of records) {
      this.all.add(r);
      mine.add(r);
    }
  }

  /** Of one tenant's calls, or (no tenant) of all calls. */
  snapshot(tenant?: string): ModelLatency[] {
    return (tenant === undefined ? this.all : this.byTenant.get(tenant))?.snapshot() ?? [];
  }
}
