/**
 * `GET /readyz`: whether this instance should get traffic, for a load balancer or an
 * orchestrator's readiness probe (`/healthz` only says the process is alive). An instance that is
 * shutting down is not ready, so traffic moves away while it finishes what it accepted. A shared
 * dependency in trouble (the ledger's database, Redis counters) is reported as `degraded` but
 * keeps the instance ready: every instance shares it, and taking them all out would turn a
 * degraded service into none. Served without a key, so the details say what, never where.
 */
export type CheckStatus = "ok" | "degraded" | "failing";

export interface Readiness {
  ready: boolean;
  checks: Record<string, { status: CheckStatus; detail?: string }>;
}

/** The body and status of `/readyz`. */
export function readinessBody(r: Readiness): { status: number; body: { status: "ready" | "not_ready"; checks: Readiness["checks"] } } {
  return { status: r.ready ? 200 : 503, body: { status: r.ready ? "ready" : "not_ready", checks: r.checks } };
}
