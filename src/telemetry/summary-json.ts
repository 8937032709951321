/**
 * A finished request's summary as JSON, the form in which it crosses to the background thread
 * (the SQLite ledger's hand-offs, which span export reads there too, or span export's own when
 * there is no SQLite ledger): one `JSON.stringify` per request, on the thread that serves it.
 */
import type { RequestSummary } from "../api/hooks.js";

export function summaryJson(s: RequestSummary): string {
  return JSON.stringify(s);
}

/** Parses a batch made by joining `summaryJson` strings with "," inside "[...]". */
export function parseSummaries(batch: string): RequestSummary[] {
  return JSON.parse(batch) as RequestSummary[];
}
