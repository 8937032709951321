/**
 * Router state (bandit arms, the decisions `/v1/feedback` refers to) in D1, for the Workers
 * entry: feedback may reach another isolate than the request it rates, and what a bandit learned
 * must outlive isolates. The same tables and statements as the SQLite store on Node
 * (`router/store-sql.ts`): an arm's update is one atomic upsert, and a decision is taken with
 * `DELETE ... RETURNING`, so it counts once.
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
import type { D1DatabaseLike } from "./d1-ledger.js";

const SWEEP_EVERY_MS = 60_000;

export class D1RouterStore implements RouterStore {
  private created: Promise<void> | undefined;
  private lastSweep = 0;

  constructor(private readonly db: D1DatabaseLike) {}

  private ready(): Promise<void> {
    this.created ??= this.db
      .batch(ROUTER_DDL.map((sql) => this.db.prepare(sql)))
      .then(() => undefined)
      .catch((err: unknown) => {
        this.created = undefined;
        throw err;
      });
    return this.created;
  }

  private async run(sql: string, params: unknown[]): Promise<void> {
    await this.ready();
    await this.db.prepare(sql).bind(...params).run();
  }

  async arms(route: string, bucket: string): Promise<Record<string, ArmStats>> {
    await this.ready();
    const { results } = await this.db.prepare(SELECT_ARMS).bind(route, bucket).all<Parameters<typeof armsFromRows>[0][number]>();
    return armsFromRows(results);
  }

  pull(route: string, bucket: string, node: string): Promise<void> {
    return this.run(UPSERT_ARM, pullParams(route, bucket, node));
  }

  reward(route: string, bucket: string, node: string, score: number): Promise<void> {
    return this.run(UPSERT_ARM, rewardParams(route, bucket, node, score));
  }

  async saveDecision(d: RouterDecisionRecord): Promise<void> {
    await this.run(SAVE_DECISION, saveDecisionParams(d));
    if (d.at - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = d.at;
      await this.run(SWEEP_DECISIONS, [d.at - KEEP_DECISIONS_MS]);
    }
  }

  async takeDecision(requestId: string): Promise<RouterDecisionRecord | undefined> {
    await this.ready();
    const { results } = await this.db.prepare(TAKE_DECISION).bind(requestId).all<Parameters<typeof decisionFromRow>[0] & object>();
    return decisionFromRow(results[0]);
  }
}
