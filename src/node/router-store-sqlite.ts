/**
 * Router state in the shared embedded database: bandit arms per (route, bucket, node) and the
 * routing decisions that `/v1/feedback` refers to (kept 7 days). Node-only (node-sqlite3-wasm);
 * the tables and statements are shared with the D1 store (`router/store-sql.ts`).
 */
import type { ArmStats, RouterDecisionRecord, RouterStore } from "../router/store.js";
import * as sql from "../router/store-sql.js";
import type { Database } from "./database.js";

const SWEEP_EVERY_MS = 60_000;
type Bind = Parameters<Database["run"]>[1];

export class SqliteRouterStore implements RouterStore {
  private lastSweep = 0;

  constructor(private readonly db: Database) {
    for (const ddl of sql.ROUTER_DDL) db.exec(ddl);
  }

  async arms(route: string, bucket: string): Promise<Record<string, ArmStats>> {
    return sql.armsFromRows(this.db.all(sql.SELECT_ARMS, [route, bucket]) as Parameters<typeof sql.armsFromRows>[0]);
  }

  async pull(route: string, bucket: string, node: string): Promise<void> {
    this.db.run(sql.UPSERT_ARM, sql.pullParams(route, bucket, node) as Bind);
  }

  async reward(route: string, bucket: string, node: string, score: number): Promise<void> {
    this.db.run(sql.UPSERT_ARM, sql.rewardParams(route, bucket, node, score) as Bind);
  }

  async saveDecision(d: RouterDecisionRecord): Promise<void> {
    this.db.run(sql.SAVE_DECISION, sql.saveDecisionParams(d) as Bind);
    if (d.at - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = d.at;
      this.db.run(sql.SWEEP_DECISIONS, [d.at - sql.KEEP_DECISIONS_MS]);
    }
  }

  async takeDecision(requestId: string): Promise<RouterDecisionRecord | undefined> {
    return sql.decisionFromRow(this.db.all(sql.TAKE_DECISION, [requestId])[0] as Parameters<typeof sql.decisionFromRow>[0]);
  }
}
