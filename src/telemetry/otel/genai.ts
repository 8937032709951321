/**
 * Usage records and request summaries mapped to OpenTelemetry GenAI semantic-convention attribute
 * shapes. Pure data in, plain attribute objects out, no SDK import: the SDK is wired in one place
 * (`node-sdk.ts`), so this mapping stays testable, runtime-agnostic and reusable by any exporter.
 *
 * What never appears here: prompt or completion text (the records do not carry it) and keys (only
 * the key's id, which is a config name or a hash prefix).
 */
import type { RequestSummary } from "../../api/hooks.js";
import type { UsageRecord } from "../usage.js";

/** Attribute values OTel accepts (a subset is enough here). */
export type AttrValue = string | number | boolean;
export type Attributes = Record<string, AttrValue>;

/** Instrument names (semantic conventions where one exists, `octoroute.*` otherwise). */
export const METRICS = {
  tokenUsage: "gen_ai.client.token.usage",
  operationDuration: "gen_ai.client.operation.duration",
  timeToFirstChunk: "gen_ai.client.operation.time_to_first_chunk",
  timePerOutputChunk: "gen_ai.client.operation.time_per_output_chunk",
  cost: "octoroute.cost",
  unpricedCalls: "octoroute.calls.unpriced",
  usageEstimatedCalls: "octoroute.calls.usage_estimated",
  requests: "octoroute.requests",
  requestDuration: "octoroute.request.duration",
  budgetRemaining: "octoroute.budget.remaining",
} as const;

/** Explicit histogram buckets recommended by the GenAI conventions. */
export const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
export const DURATION_BUCKETS_S = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
export const PER_TOKEN_BUCKETS_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1];

/** `gen_ai.operation.name` for an endpoint or call operation. */
export function operationName(op: UsageRecord["operation"] | RequestSummary["endpoint"]): string {
  switch (op) {
    case "chat":
    case "responses":
      return "chat";
    case "completions":
    case "text_completion":
      return "text_completion";
    case "embeddings":
      return "embeddings";
  }
}

/** Span name per the conventions: `{operation} {model}`. */
export function callSpanName(r: UsageRecord): string {
  return `${operationName(r.operation)} ${r.model}`;
}

/** Name of the client request's span: what the client asked for (route or model). */
export function requestSpanName(s: RequestSummary): string {
  const target = s.route ?? s.model;
  return target ? `${operationName(s.endpoint)} ${target}` : operationName(s.endpoint);
}

/** Attributes of the span covering one client request. */
export function requestAttributes(s: RequestSummary): Attributes {
  const a: Attributes = {
    "gen_ai.operation.name": operationName(s.endpoint),
    "gen_ai.usage.input_tokens": s.totals.usage.prompt_tokens,
    "gen_ai.usage.output_tokens": s.totals.usage.completion_tokens,
    "octoroute.request_id": s.requestId,
    "octoroute.tenant": s.tenant,
    "octoroute.key_id": s.keyId,
    "octoroute.endpoint": s.endpoint,
    "octoroute.strategy": s.strategy,
    "octoroute.calls": s.totals.calls,
    "octoroute.stream": s.stream,
    "http.response.status_code": s.status,
  };
  const requested = s.route ?? s.model;
  if (requested) a["gen_ai.request.model"] = requested;
  if (s.model) a["gen_ai.response.model"] = s.model;
  if (s.route) a["octoroute.route"] = s.route;
  if (s.routeReason) a["octoroute.router.decision"] = s.routeReason;
  if (s.router) a["octoroute.router"] = s.router;
  if (s.routeThreshold !== undefined) a["octoroute.router.threshold"] = s.routeThreshold;
  // One attribute per candidate (routes have a handful): the scores the decision was made on.
  if (s.routeScores) for (const [name, score] of Object.entries(s.routeScores)) a[`octoroute.router.score.${name}`] = score;
  if (s.totals.costUsd !== null) a["octoroute.cost_usd"] = s.totals.costUsd;
  if (s.ttftMs !== null) a["octoroute.ttft_ms"] = s.ttftMs;
  if (s.errorCode) a["error.type"] = s.errorCode;
  return a;
}

/** Attributes of the child span covering one upstream call. */
export function callAttributes(r: UsageRecord): Attributes {
  const a: Attributes = {
    "gen_ai.operation.name": operationName(r.operation),
    "gen_ai.provider.name": r.system,
    "gen_ai.request.model": r.model,
    "gen_ai.response.model": r.responseModel ?? r.model,
    "gen_ai.usage.input_tokens": r.inputTokens,
    "gen_ai.usage.output_tokens": r.outputTokens,
    "octoroute.provider": r.provider,
    "octoroute.purpose": r.purpose,
    "octoroute.attempts": r.attempts,
    "octoroute.stream": r.streamed,
    "octoroute.status": r.status,
  };
  if (r.cachedTokens) a["gen_ai.usage.cache_read.input_tokens"] = r.cachedTokens;
  if (r.cacheWriteTokens) a["gen_ai.usage.cache_creation.input_tokens"] = r.cacheWriteTokens;
  if (r.costUsd !== null) a["octoroute.cost_usd"] = r.costUsd;
  if (r.ttftMs !== null) a["octoroute.ttft_ms"] = r.ttftMs;
  if (r.status !== "ok") a["error.type"] = r.errorCode ?? r.status;
  if (r.usageEstimated) a["octoroute.usage_estimated"] = true;
  return a;
}

/**
 * Low-cardinality attributes for metrics about one upstream call. Request ids and key ids stay out
 * (they would explode series counts); the tenant stays in because spend per tenant is the point.
 */
export function callMetricAttributes(r: UsageRecord): Attributes {
  const a: Attributes = {
    "gen_ai.operation.name": operationName(r.operation),
    "gen_ai.provider.name": r.system,
    "gen_ai.request.model": r.model,
    "octoroute.tenant": r.tenant,
    "octoroute.purpose": r.purpose,
  };
  if (r.status !== "ok") a["error.type"] = r.errorCode ?? r.status;
  return a;
}

/** Low-cardinality attributes for metrics about one client request. */
export function requestMetricAttributes(s: RequestSummary): Attributes {
  const a: Attributes = {
    "gen_ai.operation.name": operationName(s.endpoint),
    "octoroute.tenant": s.tenant,
    "octoroute.strategy": s.strategy,
    "octoroute.route": s.route ?? "",
    "http.response.status_code": s.status,
  };
  if (s.model) a["gen_ai.response.model"] = s.model;
  if (s.errorCode) a["error.type"] = s.errorCode;
  return a;
}

/**
 * Streaming decode speed of one call: seconds per output token after the first, or null when the
 * call was not streamed (a buffered call's first byte is its last) or produced fewer than two tokens.
 */
export function secondsPerOutputToken(r: UsageRecord): number | null {
  if (!r.streamed || r.ttftMs === null || r.outputTokens < 2 || r.status !== "ok") return null;
  return Math.max(0, r.latencyMs - r.ttftMs) / 1000 / (r.outputTokens - 1);
}
