/** The summaries' wire form to the background thread reads back as the keyed JSON of the same summaries did. */
import { describe, expect, it } from "vitest";
import type { RequestSummary } from "../src/api/hooks.js";
import { parseSummaries, summaryJson } from "../src/telemetry/summary-json.js";
import type { UsageRecord } from "../src/telemetry/usage.js";

/** Every field set: a field added to the types must be added here, and must then round-trip. */
const fullRecord: Required<UsageRecord> = {
  requestId: "req_1",
  tenant: "acme",
  keyId: "key-a",
  model: "gpt-4o-mini",
  provider: "openai",
  system: "openai",
  operation: "chat",
  purpose: "answer",
  inputTokens: 12,
  outputTokens: 34,
  cachedTokens: 5,
  cacheWriteTokens: 2,
  costUsd: 0.000123456,
  latencyMs: 41.5,
  ttftMs: 12.25,
  status: "error",
  errorCode: "upstream_timeout",
  attempts: 2,
  streamed: true,
  startedAt: 1_796_034_363_354,
  responseModel: "gpt-4o-mini-2024-07-18",
  usageEstimated: true,
};

const full: Required<RequestSummary> = {
  requestId: "req_1",
  tenant: "acme",
  keyId: "key-a",
  endpoint: "chat",
  route: "auto",
  routeReason: "classifier: p(strong)=0.71 ≥ 0.5",
  router: "classifier",
  routeScores: { strong: 0.71, "weak \"quoted\"": 0.29 },
  routeThreshold: 0.5,
  strategy: "self-consistency",
  model: "gpt-4o",
  status: 504,
  errorCode: "upstream_timeout",
  stream: true,
  startedAt: 1_796_034_363_340,
  latencyMs: 47,
  ttftMs: 13,
  records: [
    fullRecord,
    // Another request's, tenant's and key's record (never expected, but carried as it is).
    { ...fullRecord, requestId: "req_other", tenant: "other", keyId: "key-b", purpose: "verifier" },
    // No key on the record though the summary has one; nulls where a value can be null.
    { requestId: "req_1", tenant: "acme", model: "m", provider: "p", system: "openai", operation: "embeddings", purpose: "embedding", inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, costUsd: null, latencyMs: 3, ttftMs: null, status: "ok", attempts: 1, streamed: false, startedAt: 1 },
  ],
  totals: { usage: { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46, prompt_tokens_details: { cached_tokens: 5 } }, costUsd: 0.000246912, calls: 3 },
  traceParent: { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", sampled: true, traceState: "vendor=é,x=1" },
};

const minimal: RequestSummary = {
  requestId: "req_2",
  tenant: "t",
  keyId: "k",
  endpoint: "completions",
  strategy: "none",
  status: 401,
  stream: false,
  startedAt: 2,
  latencyMs: 0.5,
  ttftMs: null,
  records: [],
  totals: { usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 }, costUsd: null, calls: 0 },
};

/** What the keyed JSON form gave: the reference the wire form must equal exactly. */
const keyed = (s: RequestSummary[]): unknown => JSON.parse(JSON.stringify(s));

describe("summary wire form", () => {
  it("reads back every field of a full summary, a minimal one and one with unusual records exactly", () => {
    const summaries = [full, minimal, { ...full, keyId: "k2", records: [{ ...fullRecord, keyId: undefined }] }];
    const batch = `[${summaries.map(summaryJson).join(",")}]`;
    // toStrictEqual: an optional field left out must not come back as a key holding undefined.
    expect(parseSummaries(batch)).toStrictEqual(keyed(summaries));
  });

  it("is smaller than the keyed JSON of the same summary", () => {
    expect(summaryJson(full).length).toBeLessThan(JSON.stringify(full).length * 0.75);
  });

  it("reads an empty batch", () => {
    expect(parseSummaries("[]")).toEqual([]);
  });
});
