/**
 * Router state tables and statements, shared by the SQLite store on Node
 * (`node/router-store-sqlite.ts`) and the D1 store on Workers (`edge/d1-router-store.ts`): bandit
 * arms per (route, bucket, node), updated by one atomic upsert, and the decisions that
 * `/v1/feedback` refers to, taken with `DELETE ... RETURNING` so a decision counts once even when
 * two feedbacks for it race.
 */
import { type ArmStats, freshArm, type RouterDecisionRecord } from "./store.js";

export const ROUTER_DDL = [
  `CREATE TABLE IF NOT EXISTS router_arms (
      route TEXT NOT NULL, bucket TEXT NOT NULL, node TEXT NOT NULL,
      alpha REAL NOT NULL, beta REAL NOT NULL, pulls INTEGER NOT NULL, reward REAL NOT NULL,
      PRIMARY KEY (route, bucket, node)
    )`,
  `CREATE TABLE IF NOT EXISTS router_decisions (
      request_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, route TEXT NOT NULL, bucket TEXT NOT NULL, node TEXT NOT NULL, at INTEGER NOT NULL
    )`,
];

/** Decisions older than this are swept (feedback comes within minutes, not weeks). */
export const KEEP_DECISIONS_MS = 7 * 24 * 3600 * 1000;

export const SELECT_ARMS = "SELECT node, alpha, beta, pulls, reward FROM router_arms WHERE route = ? AND bucket = ?";
export const UPSERT_ARM = `INSERT INTO router_arms (route, bucket, node, alpha, beta, pulls, reward) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (route, bucket, node) DO UPDATE SET alpha = alpha + ?, beta = beta + ?, pulls = pulls + ?, reward = reward + ?`;
export const SAVE_DECISION = "INSERT OR REPLACE INTO router_decisions (request_id, tenant, route, bucket, node, at) VALUES (?, ?, ?, ?, ?, ?)";
export const SWEEP_DECISIONS = "DELETE FROM router_decisions WHERE at < ?";
export const TAKE_DECISION = "DELETE FROM router_decisions WHERE request_id = ? RETURNING request_id, tenant, route, bucket, node, at";

type ArmRow = { node: string; alpha: number; beta: number; pulls: number; reward: number };
type DecisionRow = { request_id: string; tenant: string; route: string; bucket: string; node: string; at: number };

export function armsFromRows(rows: ArmRow[]): Record<string, ArmStats> {
  return Object.fromEntries(rows.map((r) => [r.node, { alpha: Number(r.alpha), beta: Number(r.beta), pulls: Number(r.pulls), reward: Number(r.reward) }]));
}

/** Parameters of `UPSERT_ARM`: a new arm starts from the prior plus the change; an existing one adds the change. */
export function upsertArmParams(route: string, bucket: string, node: string, dAlpha: number, dBeta: number, dPulls: number, dReward: number): unknown[] {
  const f = freshArm();
  return [route, bucket, node, f.alpha + dAlpha, f.beta + dBeta, dPulls, dReward, dAlpha, dBeta, dPulls, dReward];
}

export const pullParams = (route: string, bucket: string, node: string) => upsertArmParams(route, bucket, node, 0, 0, 1, 0);
export const rewardParams = (route: string, bucket: string, node: string, score: number) => upsertArmParams(route, bucket, node, score, 1 - score, 0, score);

export const saveDecisionParams = (d: RouterDecisionRecord): unknown[] => [d.requestId, d.tenant, d.route, d.bucket, d.node, d.at];

export function decisionFromRow(row: DecisionRow | undefined | null): RouterDecisionRecord | undefined {
  if (!row) return undefined;
  return { requestId: row.request_id, tenant: row.tenant, route: row.route, bucket: row.bucket, node: row.node, at: Number(row.at) };
}
