/**
 * The verifier contract (DESIGN "Verifier / reward model"): scores for a question and candidate
 * solutions given as steps. Process verifiers score every step; outcome verifiers return one
 * score per candidate (as a one-element list). Every call a verifier makes goes through the
 * metered ModelClient with purpose `reward`/`judge`, so it is billed to the request.
 */
import type { Aggregation } from "../search-math.js";

export interface Verifier {
  readonly name: string;
  readonly kind: "process" | "outcome";
  /** How step scores collapse to one score. */
  readonly aggregation: Aggregation;
  /** Step (or outcome) scores in [0,1] per candidate; null where the budget stopped the call. */
  score(question: string, candidates: string[][]): Promise<Array<number[] | null>>;
  /** P(a is better than b) in [0,1]; present on pairwise judges. */
  compare?(question: string, a: string, b: string): Promise<number | null>;
}
