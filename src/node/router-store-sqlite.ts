/**
 * Router state in the shared embedded database: bandit arms per (route, bucket, node) and the
 * routing decisions that `/v1/feedback` refers to (kept 7 days). Node-only (node-sqlite3-wasm).
 */
import type { ArmStats, RouterDecisionRecord, RouterStore } from "../router/store.js";
import { freshArm } from "../router/store.js";
import type { Database } from "./database.js";

const KEEP_DECISIONS_MS = 7 * 24 * 3600 * 1000;
const SWEEP_EVERY_MS = 60_000;

export class SqliteRouterStore implements RouterStore {
  private lastSweep = 0;

  constructor(private readonly db: Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS router_arms (
      route TEXT NOT NULL, bucket TEXT NOT NULL, node TEXT NOT NULL,
      alpha REAL NOT NULL, beta REAL NOT NULL, pulls INTEGER NOT NULL, reward REAL NOT NULL,
      PRIMARY KEY (route, bucket, node)
    )`);
    db.exec(`CREATE TABLE IF NOT EXISTS router_decisions (
      request_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, route TEXT NOT NULL, bucket TEXT NOT NULL, node TEXT NOT NULL, at INTEGER NOT NULL
    )`);
  }

  async arms(route: string, bucket: string): Promise<Record<string, ArmStats>> {
    const rows = this.db.all("SELECT node, alpha, beta, pulls, reward FROM router_arms WHERE route = ? AND bucket = ?", [route, bucket]) as Array<{
      node: string;
      alpha: number;
      beta: number;
      pulls: number;
      reward: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.node, { alpha: Number(r.alpha), beta: Number(r.beta), pulls: Number(r.pulls), reward: Number(r.reward) }]));
  }

  private upsert(route: string, bucket: string, node: string, dAlpha: number, dBeta: number, dPulls: number, dReward: number): void {
    const f = freshArm();
    this.db.run(
      `INSERT INTO router_arms (route, bucket, node, alpha, beta, pulls, reward) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (route, bucket, node) DO UPDATE SET alpha = alpha + ?, beta = beta + ?, pulls = pulls + ?, reward = reward + ?`,
      [route, bucket, node, f.alpha + dAlpha, f.beta + dBeta, dPulls, dReward, dAlpha, dBeta, dPulls, dReward],
    );
  }

  async pull(route: string, bucket: string, node: string): Promise<void> {
    this.upsert(route, bucket, node, 0, 0, 1, 0);
  }

  async reward(route: string, bucket: string, node: string, score: number): Promise<void> {
    this.upsert(route, bucket, node, score, 1 - score, 0, score);
  }

  async saveDecision(d: RouterDecisionRecord): Promise<void> {
    this.db.run("INSERT OR REPLACE INTO router_decisions (request_id, tenant, route, bucket, node, at) VALUES (?, ?, ?, ?, ?, ?)", [
      d.requestId,
      d.tenant,
      d.route,
      d.bucket,
      d.node,
      d.at,
    ]);
    if (d.at - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = d.at;
      this.db.run("DELETE FROM router_decisions WHERE at < ?", [d.at - KEEP_DECISIONS_MS]);
    }
  }

  async takeDecision(requestId: string): Promise<RouterDecisionRecord | undefined> {
    const row = this.db.get("SELECT request_id, tenant, route, bucket, node, at FROM router_decisions WHERE request_id = ?", [requestId]) as {
      request_id: string;
      tenant: string;
      route: string;
      bucket: string;
      node: string;
      at: number;
    } | null;
    if (!row) return undefined;
    this.db.run("DELETE FROM router_decisions WHERE request_id = ?", [requestId]);
    return { requestId: row.request_id, tenant: row.tenant, route: row.route, bucket: row.bucket, node: row.node, at: Number(row.at) };
  }
}
