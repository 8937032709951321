/**
 * Maps a finished request (the pipeline's RequestSummary) to ledger rows. Pure, so every backend
 * stores exactly the same thing.
 */
import type { RequestSummary } from "../../api/hooks.js";
import type { CallRow, RequestRow } from "./types.js";

export function requestRow(s: RequestSummary): RequestRow {
  const u = s.totals.usage;
  return {
    ts: s.startedAt,
    requestId: s.requestId,
    tenant: s.tenant,
    keyId: s.keyId,
    endpoint: s.endpoint,
    route: s.route ?? null,
    strategy: s.strategy,
    model: s.model ?? null,
    status: s.status,
    errorCode: s.errorCode ?? null,
    stream: s.stream,
    calls: s.records.length,
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens ?? 0,
    cachedTokens: s.records.reduce((n, r) => n + r.cachedTokens, 0),
    cacheWriteTokens: s.records.reduce((n, r) => n + r.cacheWriteTokens, 0),
    costUsd: s.totals.costUsd,
    latencyMs: s.latencyMs,
    ttftMs: s.ttftMs,
  };
}

export function callRows(s: RequestSummary): CallRow[] {
  return s.records.map((r, seq) => ({
    ts: r.startedAt,
    requestId: s.requestId,
    seq,
    tenant: s.tenant,
    keyId: s.keyId,
    route: s.route ?? null,
    strategy: s.strategy,
    model: r.model,
    provider: r.provider,
    operation: r.operation,
    purpose: r.purpose,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cachedTokens: r.cachedTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    costUsd: r.costUsd,
    latencyMs: r.latencyMs,
    ttftMs: r.ttftMs,
    status: r.status,
    errorCode: r.errorCode ?? null,
    attempts: r.attempts,
    streamed: r.streamed,
    responseModel: r.responseModel ?? null,
  }));
}
