/**
 * Extension points of the request pipeline, injected through `createApp(deps)`. Admission
 * (budgets, rate limits) runs before any upstream call; `onRequestEnd` sees the whole request and
 * its usage records (ledger, metrics). Defaults do nothing, so the core runs without them.
 */
import type { TenantIdentity } from "../tenants/registry.js";
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
}

export interface Admission {
  /** Called once when the request ends, with what it actually cost. */
  settle(totals: AccountTotals): void;
}

export interface RequestSummary {
  requestId: string;
  tenant: string;
  keyId: string;
  endpoint: Endpoint;
  route?: string;
  routeReason?: string;
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
}

export interface GatewayHooks {
  admit?(req: AdmissionRequest): Promise<Admission>;
  onRequestEnd?(summary: RequestSummary): void;
}
