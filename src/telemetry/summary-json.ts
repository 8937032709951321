/**
 * A finished request's summary as JSON, made once however many sinks ship it to another thread
 * (the ledger's and telemetry's workers both take it): `JSON.stringify` of a summary is the
 * largest per-request cost those sinks leave on the thread that serves requests.
 */
import type { RequestSummary } from "../api/hooks.js";

const encoded = new WeakMap<RequestSummary, string>();

export function summaryJson(s: RequestSummary): string {
  let json = encoded.get(s);
  if (json === undefined) encoded.set(s, (json = JSON.stringify(s)));
  return json;
}

/** Parses a batch made by joining `summaryJson` strings with "," inside "[...]". */
export function parseSummaries(batch: string): RequestSummary[] {
  return JSON.parse(batch) as RequestSummary[];
}
