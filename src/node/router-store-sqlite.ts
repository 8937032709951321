/**
 * Router state in the shared embedded database: bandit arms per (route, bucket, node) and the
 * routing decisions that `/v1/feedback` refers to (kept 7 days). Node-only (node-sqlite3-wasm);
 * the tables and statements are shared with the D1 store (`router/store-sql.ts`).
 */
import type { ArmStats, RouterDecisionRecord, RouterStore } from "../router/store.js";
import {
  armsFromRows,
  decisionFromRow,
  KEEP_DECISIONS_MS,
  pullParams,
  rewardParams,
  ROUTER_DDL,
  SAVE_DECISION,
  saveDecisionParams,
  SELECT_ARMS,
  SWEEP_DECISIONS,
  TAKE_DECISION,
  UPSERT_ARM,
} from "../router/store-sql.js";
import type { Database } from "./database.js";

const SWEEP_EVERY_MS = 60_000;
type Bind = Parameters<Database["run"]>[1];

export class SqliteRouterStore implements RouterStore {
  private lastSweep = 0;

  constructor(private readonly db: Database) {
    for (const ddl of ROUTER_DDL) db.exec(ddl);
  }

  async arms(route: string, bucket: string): Promise<Record<string, ArmStats>> {
    return armsFromRows(this.db.all(SELECT_ARMS, [route, bucket]) as Parameters<typeof armsFromRows>[0]);
  }

  async pull(route: string, bucket: string, node: string): Promise<void> {
    this.db.run(UPSERT_ARM, pullParams(route, bucket, node) as Bind);
  }

  async reward(route: string, bucket: string, node: string, score: number): Promise<void> {
    this.db.run(UPSERT_ARM, rewardParams(route, bucket, node, score) as Bind);
  }

  async saveDecision(d: RouterDecisionRecord): Promise<void> {
    this.db.run(SAVE_DECISION, saveDecisionParams(d) as Bind);
    if (d.at - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = d.at;
      this.db.run(SWEEP_DECISIONS, [d.at - KEEP_DECISIONS_MS]);
    }
  }

  async takeDecision(requestId: string): Promise<RouterDecisionRecord | undefined> {
    return decisionFromRow(this.db.all(TAKE_DECISION, [requestId])[0] as Parameters<typeof decisionFromRow>[0]);
  }
}
