/**
 * Where routers keep state that outlives a request and a config reload: bandit arm statistics and
 * the decisions that feedback refers to. The app only sees this interface (runtime-agnostic); the
 * Node entry provides a SQLite-backed store (`src/node/router-store-sqlite.ts`), and the memory
 * store below serves tests and runtimes without storage.
 */

export interface ArmStats {
  /** Beta posterior parameters (Thompson) — successes + 1, failures + 1. */
  alpha: number;
  beta: number;
  /** Times the arm was chosen, and total reward received (UCB). */
  pulls: number;
  reward: number;
}

export interface RouterDecisionRecord {
  requestId: string;
  tenant: string;
  route: string;
  bucket: string;
  node: string;
  at: number;
}

export interface RouterStore {
  arms(route: string, bucket: string): Promise<Record<string, ArmStats>>;
  /** Counts one pull of `node` (a decision). */
  pull(route: string, bucket: string, node: string): Promise<void>;
  /** Adds a reward in [0,1] to `node`'s arm. */
  reward(route: string, bucket: string, node: string, score: number): Promise<void>;
  saveDecision(d: RouterDecisionRecord): Promise<void>;
  /** The decision for a request id, once (feedback counts once per request). */
  takeDecision(requestId: string): Promise<RouterDecisionRecord | undefined>;
}

export const freshArm = (): ArmStats => ({ alpha: 1, beta: 1, pulls: 0, reward: 0 });

/** In-memory store: bounded decision log, unbounded (small) arm table. */
export class MemoryRouterStore implements RouterStore {
  private readonly table = new Map<string, Record<string, ArmStats>>();
  private readonly decisions = new Map<string, RouterDecisionRecord>();

  constructor(private readonly maxDecisions = 100_000) {}

  private row(route: string, bucket: string): Record<string, ArmStats> {
    const key = `${route}\u0000${bucket}`;
    let r = this.table.get(key);
    if (!r) this.table.set(key, (r = {}));
    return r;
  }

  async arms(route: string, bucket: string) {
    const r = this.row(route, bucket);
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, { ...v }]));
  }

  async pull(route: string, bucket: string, node: string) {
    const r = this.row(route, bucket);
    (r[node] ??= freshArm()).pulls++;
  }

  async reward(route: string, bucket: string, node: string, score: number) {
    const arm = (this.row(route, bucket)[node] ??= freshArm());
    arm.alpha += score;
    arm.beta += 1 - score;
    arm.reward += score;
  }

  async saveDecision(d: RouterDecisionRecord) {
    if (this.decisions.size >= this.maxDecisions) this.decisions.delete(this.decisions.keys().next().value!);
    this.decisions.set(d.requestId, d);
  }

  async takeDecision(requestId: string) {
    const d = this.decisions.get(requestId);
    this.decisions.delete(requestId);
    return d;
  }
}

const perRuntime = new WeakMap<object, RouterStore>();

/** The store attached to a runtime (the Node entry attaches one shared store to every runtime it builds). */
export function attachRouterStore(runtime: object, store: RouterStore): void {
  perRuntime.set(runtime, store);
}

export function routerStoreOf(runtime: object): RouterStore {
  let s = perRuntime.get(runtime);
  if (!s) perRuntime.set(runtime, (s = new MemoryRouterStore()));
  return s;
}
