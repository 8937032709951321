/**
 * Fault selection for the sim: per request with the `x-sim-fault` header
 * (`kind[;times=N][;retry-after=S][;ms=M][;rate=P]`), or per model in the sim config. `times`
 * counts attempts per `x-request-id`, so "fail once, then succeed" exercises a gateway's retries.
 */
import type { ServerResponse } from "node:http";
import { hash32 } from "./random.js";
import type { FaultKind, FaultSpec } from "./types.js";

const KINDS = new Set<FaultKind>(["500", "502", "503", "529", "429", "reset-before-headers", "reset-after-headers", "stall", "truncate", "malformed", "slow-drip", "ignore-stream"]);

export function parseFaultHeader(value: string | undefined): FaultSpec | undefined {
  if (!value) return undefined;
  const [kind, ...params] = value.split(";").map((s) => s.trim());
  if (!KINDS.has(kind as FaultKind)) return undefined;
  const spec: FaultSpec = { kind: kind as FaultKind };
  for (const p of params) {
    const [k, v] = p.split("=").map((s) => s.trim());
    const n = Number(v);
    if (!Number.isFinite(n)) continue;
    if (k === "times") spec.times = n;
    else if (k === "retry-after") spec.retryAfter = n;
    else if (k === "ms") spec.ms = n;
    else if (k === "rate") spec.rate = n;
  }
  return spec;
}

export class FaultPlanner {
  private readonly attempts = new Map<string, number>();

  /** The fault to inject into this attempt, if any. */
  pick(requestId: string, specs: FaultSpec[]): FaultSpec | undefined {
    for (const spec of specs) {
      const key = `${requestId}|${spec.kind}`;
      const count = (this.attempts.get(key) ?? 0) + 1;
      if (this.attempts.size > 50_000) this.attempts.clear();
      this.attempts.set(key, count);
      if (spec.times !== undefined && count > spec.times) continue;
      if (spec.rate !== undefined && spec.rate < 1) {
        const u = hash32(`${requestId}|${count}|${spec.kind}`) / 4294967296;
        if (u >= spec.rate) continue;
      }
      return spec;
    }
    return undefined;
  }
}

/**
 * A stall: holds the response until `ms` pass or the client gives up, whichever comes first, so
 * no timer outlives the request. Resolves true when the response is still open (answer it).
 */
export function stall(res: ServerResponse, ms = 600_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(!res.writableEnded && !res.destroyed), ms);
    res.once("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
