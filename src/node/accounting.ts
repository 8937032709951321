/**
 * Accounting on Node: the usage ledger (an embedded SQLite file written from a worker thread by
 * default, PostgreSQL when `ledger.url` is set), the budget/limit counter store (in-process, its
 * spend rebuilt from the ledger at start so it survives a restart; or Redis, shared by several
 * instances, when `counters.url` is set) and the usage API, assembled from the config into hooks and plugins
 * for `startGateway`. `close()` flushes the ledger; call it after in-flight requests finished.
 */
import { drainAfterResponse } from "../api/after-response.js";
import { composeHooks, type GatewayHooks } from "../api/hooks.js";
import { usageApi } from "../api/usage.js";
import type { GatewayPlugin } from "../app.js";
import type { OctorouteConfig } from "../config/schema.js";
import { ledgerSchema } from "../config/telemetry.js";
import type { Runtime } from "../runtime.js";
import { Ledger } from "../telemetry/ledger/ledger.js";
import type { LedgerBackend } from "../telemetry/ledger/types.js";
import { noteUnpriced } from "../telemetry/pricing.js";
import { budgetAdmission } from "../tenants/budgets/admission.js";
import { MemoryCounterStore } from "../tenants/budgets/memory.js";
import { type CounterStore, keyScope, tenantScope } from "../tenants/budgets/types.js";
import { ThreadedSqliteLedger } from "./sqlite-ledger-thread.js";

export interface Accounting {
  hooks: GatewayHooks;
  plugins: GatewayPlugin[];
  /** Undefined when `ledger.enabled` is false. */
  ledger?: Ledger;
  store: CounterStore;
  /** Flushes the ledger and releases its backend. */
  close(): Promise<void>;
}

/** The ledger's SQLite file: `ledger.path`, else `database.path` with `.ledger` before the extension. */
export function ledgerPath(config: OctorouteConfig): string {
  const lc = ledgerSchema.parse(config.ledger ?? {});
  if (lc.path) return lc.path;
  const db = config.database.path;
  if (db === ":memory:") return db;
  const m = /^(.*?)(\.[^./\\]+)?$/.exec(db)!;
  return `${m[1]}.ledger${m[2] ?? ".db"}`;
}

/** Ledger backend named by the config: PostgreSQL for a URL (its client loaded only then), else SQLite on a worker thread. */
export async function ledgerBackend(config: OctorouteConfig): Promise<LedgerBackend> {
  const lc = ledgerSchema.parse(config.ledger ?? {});
  if (!lc.url) return new ThreadedSqliteLedger(ledgerPath(config), { flushIntervalMs: lc.flushIntervalMs, batchRows: lc.batchRows });
  const { PostgresLedger } = await import("../telemetry/ledger/postgres.js");
  return new PostgresLedger(lc.url);
}

export async function startAccounting(config: OctorouteConfig, runtime: () => Runtime, log: (msg: string) => void = () => {}): Promise<Accounting> {
  const lc = ledgerSchema.parse(config.ledger ?? {});
  const counters = config.counters;
  const shared = counters?.url ? await (await import("./redis-counter-store.js")).RedisCounterStore.connect({ ...counters, url: counters.url, log }) : undefined;
  const store: CounterStore = shared ?? new MemoryCounterStore();
  let ledger: Ledger | undefined;
  if (lc.enabled) {
    const backend = await ledgerBackend(config);
    await backend.init();
    let lastError = 0;
    ledger = new Ledger(backend, {
      flushIntervalMs: lc.flushIntervalMs,
      batchRows: lc.batchRows,
      retentionDays: lc.retentionDays,
      retentionIntervalMs: lc.retentionIntervalMs,
      onError: (err) => {
        // Once a minute at most; the message names the backend, never its URL (it may hold a password).
        if (Date.now() - lastError > 60_000) log(`ledger (${backend.kind}) write failed, rows kept for retry: ${(err as Error).message}`);
        lastError = Date.now();
      },
    });
    // Rebuild this month's spend per tenant and key, so budgets survive a restart. A shared
    // store keeps spend itself: only the first instance after Redis lost its data seeds it.
    const now = new Date();
    const month = now.toISOString().slice(0, 7);
    if (!shared || (await shared.claimSeed(month).catch(() => false))) {
      for (const row of await ledger.spendSince(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))) {
        await store.addSpend(tenantScope(row.tenant), row.day, row.costUsd);
        await store.addSpend(keyScope(row.tenant, row.keyId), row.day, row.costUsd);
      }
    }
    if (lc.retentionDays !== undefined) void ledger.cleanup().catch(() => {});
  }
  for (const node of runtime().catalog.nodes.values()) {
    if (!node.price) log(`warning: model "${node.name}" has no price (config or price catalog); its cost will be reported as unknown`);
  }

  const hooks = composeHooks({
    admit: budgetAdmission({ store, priceOf: (model) => runtime().catalog.get(model)?.price }),
    onRequestEnd(summary) {
      for (const r of summary.records) if (r.costUsd === null && r.status === "ok") noteUnpriced(r.model);
      ledger?.record(summary);
    },
  });
  const plugins = ledger ? [usageApi({ ledger, spend: (scope, t) => (drainAfterResponse(), store.spend(scope, t)) })] : [];
  return {
    hooks,
    plugins,
    ledger,
    store,
    close: async () => {
      await ledger?.close();
      await store.close();
    },
  };
}
