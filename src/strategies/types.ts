/**
 * The strategy contract: how much inference-time compute an answer gets. A strategy turns one
 * chat request into one chat completion using any number of metered model calls. It must honour
 * `signal` (client left / budget spent) and may `emit` progress, which streaming clients see as
 * SSE comments. Usage is never computed here: the Account sums every call the ModelClient made.
 */
import type { ChatRequest } from "../api/schemas.js";
import type { ChatCompletion, ChatCompletionChunk } from "../api/types.js";
import type { VerifierConfig } from "../config/strategies.js";
import type { ModelClient } from "../models/model-client.js";
import type { Budget } from "./budget.js";
import type { Abortable } from "../api/request-signal.js";

export interface StrategySpec {
  name: string;
  params: Record<string, unknown>;
}

export type StrategyEvent = { type: "progress"; message: string };

/** What a strategy may consult while validating its parameters (capabilities, verifiers). */
export interface StrategyEnv {
  /** Route the request came through, if any (verifiers may be configured per route). */
  route?: string;
  /** Configured verifiers by name. */
  verifiers: Record<string, VerifierConfig>;
  /** Whether the requesting tenant may use a catalog model (for models a request names in params). */
  mayUse?(model: string): boolean;
}

export interface StrategyContext {
  /** Client for the planned node; `client.forNode(name)` for other nodes of the request. */
  client: ModelClient;
  params: Record<string, unknown>;
  /** Aborts when the client leaves or the budget is spent. */
  signal: Abortable;
  emit(event: StrategyEvent): void;
  /** The request's strategy budget (calls, tokens, USD, wall time). Absent for plain calls. */
  budget?: Budget;
  /**
   * Runs one upstream call under the budget and the fan-out concurrency limit. Resolves to null
   * (instead of throwing) when the budget refused or cancelled the call, so a strategy can stop
   * with what it has; rethrows when the client left or the upstream failed.
   */
  guard?<T>(call: (signal: Abortable) => Promise<T>): Promise<T | null>;
  /** Verifier configs visible to this request (resolved by `verifiers/resolve.ts`). */
  env?: StrategyEnv;
  /** Set when the client asked for `octoroute.trace`: strategies record stages and candidates here. */
  trace?: Record<string, unknown>;
  /** Facts a strategy reports back in the `octoroute` object (e.g. calls saved). */
  report?: Record<string, unknown>;
}

export interface Strategy {
  readonly name: string;
  /** Strategies that can answer requests with `tools`; others are replaced by `none` for them. */
  readonly supportsTools?: boolean;
  /** Validates and normalises parameters and checks the model's capabilities; throws a 400 naming the bad one. */
  parseParams(params: Record<string, unknown>, client: ModelClient, env?: StrategyEnv): Record<string, unknown>;
  /** Upstream calls this strategy may make at most with these parameters (for admission). Default 1. */
  maxCalls?(params: Record<string, unknown>): number;
  /** Produces the answer. */
  run(request: ChatRequest, ctx: StrategyContext): Promise<ChatCompletion>;
  /** Optional true streaming (single-call strategies stream the upstream as it arrives). */
  stream?(request: ChatRequest, ctx: StrategyContext): Promise<AsyncIterable<ChatCompletionChunk>>;
}
