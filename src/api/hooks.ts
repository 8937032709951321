/**
 * Extension points of the request pipeline, injected through `createApp(deps)`. Admission
 * (budgets, rate limits) runs before any upstream call; `onRequestEnd` sees the whole request and
 * its usage records (ledger, metrics). Defaults do nothing, so the core runs without them.
 */
import type { TenantIdentity } from "../tenants/registry.js";
import type { TraceParent } from "../telemetry/trace-context.js";
import type { AccountTotals, UsageRecord } from "../telemetry/usage.js";

export type Endpoint = "chat" | "completions" | "embeddings" | "responses";

export interface AdmissionRequest {
  requestId: string;
  identity: TenantIdentity;
  endpoint: Endpoint;
  /** Catalog node the request is planned for (worst-case cost is priced on it). */
  model: string;
  /** Estimated prompt tokens. */
  promptTokens: number;
  /** Max output tokens the request may produce (explicit, or the model's default cap). */
  maxOutputTokens: number;
  /** Calls a strategy may make at most (1 for plain requests). */
  maxCalls: number;
  /**
   * Caps the strategy enforces on its own spend (it stops when it reaches them), so the
   * worst case can't exceed them: a reservation is the smaller of these and calls × one call.
   */
  maxTokens?: number;
  maxUsd?: number;
}

export interface Admission {
  /** Called once when the request ends, with what it actually cost. */
  settle(totals: AccountTotals): void;
  /** Response headers the admission adds (OpenAI's `x-ratelimit-*` for rate-limited tenants). */
  headers?: Record<string, string>;
}

export interface RequestSummary {
  requestId: string;
  tenant: string;
  keyId: string;
  endpoint: Endpoint;
  route?: string;
  routeReason?: string;
  /** Router that decided (`rules`, `classifier`, `knn`, `llm`, `cascade`, `bandit`, `alias`). */
  router?: string;
  /** Router scores per candidate (and `score` for pair routers). */
  routeScores?: Record<string, number>;
  /** Threshold the decision was made against (pair score, cascade confidence, quality knob). */
  routeThreshold?: number;
  strategy: string;
  /** Node that answered. */
  model?: string;
  status: number;
  errorCode?: string;
  stream: boolean;
  startedAt: number;
  latencyMs: number;
  ttftMs: number | null;
  records: UsageRecord[];
  totals: AccountTotals;
  /** The caller's W3C trace context, when it sent one: the request's spans join that trace. */
  traceParent?: TraceParent;
}

export interface GatewayHooks {
  admit?(req: AdmissionRequest): Promise<Admission>;
  onRequestEnd?(summary: RequestSummary): void;
}

/**
 * Several hook sets as one (ledger, budgets, telemetry...). Admissions run in order and all settle;
 * if a later one refuses, the earlier ones are released (settled with what was spent: nothing).
 * `onRequestEnd` runs every sink, and one sink failing does not starve the others.
 */
export function composeHooks(...sets: Array<GatewayHooks | undefined>): GatewayHooks {
  const hooks = sets.filter((h): h is GatewayHooks => h !== undefined);
  const admits = hooks.flatMap((h) => (h.admit ? [h.admit.bind(h)] : []));
  const ends = hooks.flatMap((h) => (h.onRequestEnd ? [h.onRequestEnd.bind(h)] : []));
  const out: GatewayHooks = {};
  if (admits.length === 1) out.admit = admits[0];
  else if (admits.length > 1) {
    out.admit = async (req) => {
      const granted: Admission[] = [];
      try {
        for (const admit of admits) granted.push(await admit(req));
      } catch (err) {
        const nothing: AccountTotals = { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, costUsd: 0, calls: 0 };
        for (const a of granted) a.settle(nothing);
        throw err;
      }
      const headers = Object.assign({}, ...granted.map((a) => a.headers ?? {})) as Record<string, string>;
      return { settle: (totals) => granted.forEach((a) => a.settle(totals)), ...(Object.keys(headers).length ? { headers } : {}) };
    };
  }
  if (ends.length === 1) out.onRequestEnd = ends[0];
  else if (ends.length > 1) {
    out.onRequestEnd = (summary) => {
      for (const end of ends) {
        try {
          end(summary);
        } catch {
          /* a failing sink must never fail the request or the other sinks */
        }
      }
    };
  }
  return out;
}
