/**
 * Router state (bandit arms, the decisions `/v1/feedback` refers to) in D1, for the Workers
 * entry: feedback may reach another isolate than the request it rates, and what a bandit learned
 * must outlive isolates. The same tables and statements as the SQLite store on Node
 * (`router/store-sql.ts`): an arm's update is one atomic upsert, and a decision is taken with
 * `DELETE ... RETURNING`, so it counts once.
 */
import type { ArmStats, RouterDecisionRecord, RouterStore } from "../router/store.js";
import * as sql from "../router/store-sql.js";
import type { D1DatabaseLike } from "./d1-ledger.js";
import { schemaOnce } from "./d1-schema.js";

const SWEEP_EVERY_MS = 60_000;

export class D1RouterStore implements RouterStore {
  /** Creates the tables once per isolate. */
  private readonly ready: () => Promise<void>;
  private lastSweep = 0;

  constructor(private readonly db: D1DatabaseLike) {
    this.ready = schemaOnce(db, sql.ROUTER_DDL);
  }

  private async run(statement: string, params: unknown[]): Promise<void> {
    await this.ready();
    await this.db.prepare(statement).bind(...params).run();
  }

  async arms(route: string, bucket: string): Promise<Record<string, ArmStats>> {
    await this.ready();
    const { results } = await this.db.prepare(sql.SELECT_ARMS).bind(route, bucket).all<Parameters<typeof sql.armsFromRows>[0][number]>();
    return sql.armsFromRows(results);
  }

  pull(route: string, bucket: string, node: string): Promise<void> {
    return this.run(sql.UPSERT_ARM, sql.pullParams(route, bucket, node));
  }

  reward(route: string, bucket: string, node: string, score: number): Promise<void> {
    return this.run(sql.UPSERT_ARM, sql.rewardParams(route, bucket, node, score));
  }

  async saveDecision(d: RouterDecisionRecord): Promise<void> {
    await this.run(sql.SAVE_DECISION, sql.saveDecisionParams(d));
    if (d.at - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = d.at;
      await this.run(sql.SWEEP_DECISIONS, [d.at - sql.KEEP_DECISIONS_MS]);
    }
  }

  async takeDecision(requestId: string): Promise<RouterDecisionRecord | undefined> {
    await this.ready();
    const { results } = await this.db.prepare(sql.TAKE_DECISION).bind(requestId).all<Parameters<typeof sql.decisionFromRow>[0] & object>();
    return sql.decisionFromRow(results[0]);
  }
}
