/**
 * Budgets and rate limits at the edge: a Durable Object per tenant holds that tenant's counters
 * (its own scope and its keys' scopes) in the in-process `MemoryCounterStore`, unchanged. A
 * Durable Object runs one request at a time, so check-and-reserve is atomic across every Worker
 * isolate in every location, as it is in one Node process; `durable-counter-store.ts` is the
 * gateway's side. Spend per scope and UTC day is written to the object's storage on every
 * settlement, so it survives the object being evicted or moved (there is no ledger to rebuild it
 * from on Workers). Reservations and the one-minute rate windows are kept in memory only: an
 * eviction forgets them, which can let one minute's rate limit through twice, never lose spend
 * (a settlement for a reservation the object no longer knows adds its cost all the same).
 *
 * Deployed by `wrangler.toml` as the `OCTOROUTE_COUNTERS` binding (class `OctorouteCounters`).
 */
import { MemoryCounterStore } from "../tenants/budgets/memory.js";
import { utcDay } from "../tenants/budgets/types.js";
import { type CounterOp, SPEND_PREFIX, spendKey } from "./counter-ops.js";

/** The parts of the Durable Object state this class uses (workerd's `DurableObjectState`). */
export interface DurableObjectStateLike {
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  storage: {
    list<T>(options: { prefix: string }): Promise<Map<string, T>>;
    put<T>(entries: Record<string, T>): Promise<void>;
    delete(keys: string[]): Promise<number>;
  };
}

/**
 * Unsettled reservations are released after this long: a Worker isolate that died between its
 * acquire and its settle would otherwise hold that budget for good. Longer than any request.
 */
const RESERVATION_TTL_MS = 30 * 60_000;

const OPS = new Set<unknown>(["acquire", "settle", "addSpend", "spend"] satisfies Array<CounterOp["op"]>);

export class OctorouteCounters {
  private readonly store = new MemoryCounterStore();
  /** USD per `spendKey(scope, day)`, as stored. */
  private readonly totals = new Map<string, number>();
  private lastExpiry = 0;

  constructor(
    private readonly state: DurableObjectStateLike,
    _env?: unknown,
  ) {
    // Nothing is answered before the stored spend is back in memory.
    void state.blockConcurrencyWhile(() => this.load());
  }

  private async load(): Promise<void> {
    const stored = await this.state.storage.list<number>({ prefix: SPEND_PREFIX });
    // Days before last month are never asked again (budgets are per day and per month).
    const now = new Date();
    const oldest = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
    const stale: string[] = [];
    for (const [key, usd] of stored) {
      const [scope, day] = splitSpendKey(key);
      if (day < oldest) {
        stale.push(key);
        continue;
      }
      this.totals.set(key, usd);
      await this.store.addSpend(scope, day, usd);
    }
    if (stale.length) await this.state.storage.delete(stale);
  }

  async fetch(request: Request): Promise<Response> {
    let op: CounterOp;
    try {
      op = (await request.json()) as CounterOp;
    } catch {
      return Response.json({ error: "expected a JSON counter operation" }, { status: 400 });
    }
    if (!OPS.has(op?.op)) return Response.json({ error: "unknown counter operation" }, { status: 400 });
    return Response.json(await this.apply(op));
  }

  /** Runs one operation; what it returns is the response body. */
  async apply(op: CounterOp): Promise<unknown> {
    switch (op.op) {
      case "acquire": {
        if (op.req.now - this.lastExpiry > 60_000) {
          this.lastExpiry = op.req.now;
          this.store.expireBefore(op.req.now - RESERVATION_TTL_MS);
        }
        // Reservations here come from many gateways: only their ids are unique, never a `seq`.
        const { seq: _ignored, ...req } = op.req;
        return this.store.acquire(req);
      }
      case "settle": {
        const known = this.store.settleKnown(op.id, op.actual);
        const day = utcDay(op.actual.now);
        // A reservation this object forgot (evicted since) still costs what it cost.
        if (!known) for (const scope of op.scopes) await this.store.addSpend(scope, day, op.actual.usd);
        await this.record(op.scopes, day, op.actual.usd);
        return { ok: true };
      }
      case "addSpend": {
        await this.store.addSpend(op.scope, op.day, op.usd);
        await this.record([op.scope], op.day, op.usd);
        return { ok: true };
      }
      case "spend":
        return this.store.spend(op.scope, op.now);
    }
  }

  /** Adds `usd` to each scope's stored spend of `day` (one storage write for all of them). */
  private async record(scopes: string[], day: string, usd: number): Promise<void> {
    if (!(usd > 0)) return;
    const entries: Record<string, number> = {};
    for (const scope of scopes) {
      const key = spendKey(scope, day);
      const total = (this.totals.get(key) ?? 0) + usd;
      this.totals.set(key, total);
      entries[key] = total;
    }
    await this.state.storage.put(entries);
  }
}

/** `spend|<scope>|<day>` → [scope, day] (scopes may contain `|`; the day is the last part). */
function splitSpendKey(key: string): [string, string] {
  const body = key.slice(SPEND_PREFIX.length);
  const cut = body.lastIndexOf("|");
  return [body.slice(0, cut), body.slice(cut + 1)];
}
