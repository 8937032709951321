/**
 * Usage records: one per upstream call, collected in the request's Account. The client's `usage`
 * is the sum over the account, so every call a strategy or router makes is billed to the request.
 */
import type { Usage } from "../api/types.js";

export type CallPurpose = "answer" | "router" | "verifier" | "judge" | "reward" | "draft" | "embedding" | "guide";
export type CallStatus = "ok" | "error" | "cancelled";

export interface UsageRecord {
  requestId: string;
  tenant: string;
  keyId?: string;
  /** Catalog model name (the graph node). */
  model: string;
  provider: string;
  /** Protocol family (`openai`, `anthropic`, ...). */
  system: string;
  operation: "chat" | "text_completion" | "embeddings" | "responses";
  purpose: CallPurpose;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  /** USD; null when the model has no known price (never a silent 0). */
  costUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
  status: CallStatus;
  /** GatewayError code on failure. */
  errorCode?: string;
  /** Upstream attempts this record covers (retries included). */
  attempts: number;
  streamed: boolean;
  startedAt: number;
  /** Model name the upstream reported. */
  responseModel?: string;
  /**
   * The upstream reported no usage for this call, so its tokens (and cost) are the gateway's
   * estimate (`models/usage-estimate.ts`), not the provider's count.
   */
  usageEstimated?: boolean;
}

/** Totals of an account, in OpenAI's usage shape plus the cost. */
export interface AccountTotals {
  usage: Usage;
  costUsd: number | null;
  calls: number;
}

/** The per-request collection of usage records. */
export class Account {
  readonly records: UsageRecord[] = [];
  private readonly listeners: Array<(r: UsageRecord) => void> = [];

  constructor(
    readonly requestId: string,
    readonly tenant: string,
    readonly keyId?: string,
  ) {}

  add(record: UsageRecord): void {
    this.records.push(record);
    for (const l of this.listeners) l(record);
  }

  /** Called for each record as it is added (telemetry spans, budget settlement). */
  onRecord(listener: (r: UsageRecord) => void): void {
    this.listeners.push(listener);
  }

  totals(): AccountTotals {
    let prompt = 0;
    let completion = 0;
    let cached = 0;
    let cacheWrite = 0;
    let cost = 0;
    let unpriced = false;
    for (const r of this.records) {
      prompt += r.inputTokens;
      completion += r.outputTokens;
      cached += r.cachedTokens;
      cacheWrite += r.cacheWriteTokens;
      if (r.costUsd !== null) cost += r.costUsd;
      else if (r.inputTokens + r.outputTokens > 0) unpriced = true;
    }
    const usage: Usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    if (cached || cacheWrite) usage.prompt_tokens_details = { cached_tokens: cached, ...(cacheWrite ? { cache_write_tokens: cacheWrite } : {}) };
    return { usage, costUsd: unpriced ? null : roundUsd(cost), calls: this.records.length };
  }
}

/** Rounds to 1e-10 USD so sums of micro-costs print exactly. */
export function roundUsd(v: number): number {
  return Math.round(v * 1e10) / 1e10;
}
