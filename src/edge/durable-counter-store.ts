/**
 * The `CounterStore` of the Workers entry: every call goes to the tenant's counters Durable Object
 * (`counters-object.ts`), one object per tenant, so admissions of different tenants never wait for
 * each other and those of one tenant are counted in one place whatever isolate or location serves
 * them. The admission code (`budgets/admission.ts`) is the same as on Node.
 *
 * A settlement is sent after the response; Workers may stop an isolate's work once its response
 * is done, so it is handed to the request's `waitUntil` (`request-context.ts`), captured at
 * acquire, which runs on the request's own async path.
 */
import type { AcquireRequest, AcquireResult, CounterStore, ScopeSpend, Settlement } from "../tenants/budgets/types.js";
import type { CounterOp } from "./counter-ops.js";
import { keepAlive, requestContext, type WaitUntil } from "./request-context.js";

/** The parts of a Durable Object namespace binding this store uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): { fetch(input: string, init: RequestInit): Promise<Response> };
}

export class DurableObjectCounterStore implements CounterStore {
  /** Reservations in flight: where they were taken, and whose `waitUntil` covers their settlement. */
  private readonly pending = new Map<string, { tenant: string; scopes: string[]; ctx?: WaitUntil }>();

  private lastWarning = 0;

  /**
   * `tenants`: the config's tenant names, to tell which tenant a key's scope belongs to.
   * `onUnavailable` (`counters.onUnavailable`): when the object cannot be reached, `allow` serves
   * the request unchecked (warned at most once a minute), `deny` refuses it (503 from admission).
   */
  constructor(
    private readonly namespace: DurableObjectNamespaceLike,
    private readonly tenants: string[],
    private readonly onUnavailable: "allow" | "deny" = "allow",
    private readonly warn: (msg: string) => void = () => {},
  ) {}

  private async call<T>(tenant: string, op: CounterOp): Promise<T> {
    const stub = this.namespace.get(this.namespace.idFromName(tenant) as never);
    const res = await stub.fetch("https://octoroute-counters/op", { method: "POST", body: JSON.stringify(op), headers: { "content-type": "application/json" } });
    if (!res.ok) throw new Error(`budget counters answered ${res.status}`);
    return (await res.json()) as T;
  }

  /** The tenant a scope belongs to: `tenant:<name>`, or `key:<tenant>/<keyId>` (the longest tenant name that fits). */
  tenantOf(scope: string): string {
    if (scope.startsWith("tenant:")) return scope.slice("tenant:".length);
    const rest = scope.startsWith("key:") ? scope.slice("key:".length) : scope;
    let best: string | undefined;
    for (const t of this.tenants) if (rest.startsWith(`${t}/`) && (!best || t.length > best.length)) best = t;
    return best ?? rest.slice(0, Math.max(0, rest.indexOf("/")));
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    const tenant = this.tenantOf(req.scopes[0]?.scope ?? "");
    let result: AcquireResult;
    try {
      // `seq` is unique only in this isolate; the object serves many, and keys by `id`.
      const { seq: _local, ...shared } = req;
      result = await this.call<AcquireResult>(tenant, { op: "acquire", req: shared });
    } catch (err) {
      if (this.onUnavailable === "deny") throw new Error(`Budget and rate-limit counters are unavailable: ${(err as Error).message}`);
      if (req.now - this.lastWarning >= 60_000) {
        this.lastWarning = req.now;
        this.warn(`budget counters unavailable, serving unchecked (counters.onUnavailable: allow): ${(err as Error).message}`);
      }
      return { ok: true };
    }
    if (result.ok) this.pending.set(req.id, { tenant, scopes: req.scopes.map((s) => s.scope), ctx: requestContext.getStore() });
    return result;
  }

  settle(id: string, actual: Settlement): Promise<void> {
    const p = this.pending.get(id);
    if (!p) return Promise.resolve();
    this.pending.delete(id);
    const done = this.call<unknown>(p.tenant, { op: "settle", id, actual, scopes: p.scopes }).then(() => undefined);
    keepAlive(done.catch(() => {}), p.ctx);
    return done;
  }

  /**
   * Also how a tenant without budgets or limits records what a request cost, when it ends
   * (`admission.ts`): handed to the `waitUntil` of the request it runs for, if any.
   */
  addSpend(scope: string, day: string, usd: number): Promise<void> {
    const done = this.call<unknown>(this.tenantOf(scope), { op: "addSpend", scope, day, usd }).then(() => undefined);
    keepAlive(done.catch(() => {}), requestContext.getStore());
    return done;
  }

  spend(scope: string, now: number): Promise<ScopeSpend> {
    return this.call<ScopeSpend>(this.tenantOf(scope), { op: "spend", scope, now });
  }

  async close(): Promise<void> {
    this.pending.clear();
  }
}
