/**
 * Telemetry, ledger, budgets and limits config. The ledger and budget/limit schemas live here so
 * tenants and keys (`tenants.ts`) and the top-level `ledger:` section share one definition.
 */
import { z } from "zod";
import { LEDGER_DEFAULTS } from "../telemetry/ledger/types.js";

/** `telemetry.otlp` — OTLP/HTTP export of spans and metrics to a collector. */
export const otlpSchema = z.strictObject({
  /** Collector base URL; spans go to `<endpoint>/v1/traces`, metrics to `<endpoint>/v1/metrics`. */
  endpoint: z.url({ protocol: /^https?$/ }),
  /**
   * OTLP/HTTP encoding: `http/protobuf` (OpenTelemetry's default; about half the bytes) or
   * `http/json`. Collectors take both on the same port.
   */
  protocol: z.enum(["http/protobuf", "http/json"]).default("http/protobuf"),
  /** Extra headers sent with every export (e.g. `authorization: Bearer ${OTEL_TOKEN}`). */
  headers: z.record(z.string(), z.string()).default({}),
  /** Export spans (default true). */
  traces: z.boolean().default(true),
  /** Export metrics (default true). */
  metrics: z.boolean().default(true),
  /** How often metrics are pushed. */
  metricsIntervalMs: z.number().int().min(100).default(60_000),
  /** Per-export timeout. */
  timeoutMs: z.number().int().min(100).default(10_000),
});
export type OtlpConfig = z.infer<typeof otlpSchema>;

/** `telemetry.sampling` — which client requests get a trace (metrics always count every request). */
export const samplingSchema = z.strictObject({
  /** Fraction of requests traced, by trace id (1 = all, 0 = none). */
  ratio: z.number().min(0).max(1).default(1),
});

/** `telemetry.prometheus` — the `/metrics` endpoint in Prometheus text format. */
export const prometheusSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /**
   * Serve `/metrics` on its own listener (e.g. `{ host: 0.0.0.0, port: 9464 }`, reachable only from
   * the scraper's network) without a key. Omitted → served by the gateway, admin key required.
   */
  bind: z.strictObject({ host: z.string().default("127.0.0.1"), port: z.number().int().min(0).max(65535) }).optional(),
});
export type PrometheusConfig = z.infer<typeof prometheusSchema>;

/** `telemetry:` — OpenTelemetry traces/metrics and the Prometheus endpoint. */
export const telemetrySchema = z.strictObject({
  /** `service.name` of the exported resource. */
  serviceName: z.string().min(1).default("octoroute"),
  otlp: otlpSchema.optional(),
  sampling: samplingSchema.default({ ratio: 1 }),
  prometheus: prometheusSchema.default({ enabled: true }),
});
export type TelemetryConfig = z.infer<typeof telemetrySchema>;

/**
 * `ledger:` — where the usage ledger goes. Default: the embedded SQLite database (`database.path`).
 * A `postgres://` URL selects PostgreSQL instead.
 */
export const ledgerSchema = z.strictObject({
  /** Turn the ledger off entirely (budgets then cannot rebuild spend after a restart). */
  enabled: z.boolean().default(true),
  /** `postgres://user:pass@host:port/db` (use `${ENV}` for the password); omitted → embedded SQLite. */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// or postgresql:// URL")
    .optional(),
  /**
   * SQLite file of the ledger (its own file, written from a worker thread); default: next to
   * `database.path` with `.ledger` before the extension (`data/octoroute.ledger.db`).
   */
  path: z.string().min(1).optional(),
  /** Rows are written in one transaction at most this often... */
  flushIntervalMs: z.number().int().min(1).max(60_000).default(LEDGER_DEFAULTS.flushIntervalMs),
  /** ...or as soon as this many rows are waiting. */
  batchRows: z.number().int().min(1).max(100_000).default(LEDGER_DEFAULTS.batchRows),
  /** Rows older than this many days are deleted by a background cleanup; omitted → kept forever. */
  retentionDays: z.number().min(0.001).optional(),
  /** How often the retention cleanup runs. */
  retentionIntervalMs: z.number().int().min(1000).default(3_600_000),
});
export type LedgerConfig = z.infer<typeof ledgerSchema>;

/**
 * `counters:` — where budgets and rate limits are counted. Default: in the gateway process (exact
 * for one instance). A `redis://` URL shares them between every gateway instance pointed at the
 * same Redis (see src/node/redis-counter-store.ts).
 */
export const countersSchema = z.strictObject({
  /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS); use `${ENV}` for the password. */
  url: z
    .string()
    .regex(/^rediss?:\/\//, "expected a redis:// or rediss:// URL")
    .optional(),
  /** Prefix of every key the gateway writes, so several deployments can share one Redis. */
  prefix: z.string().min(1).max(64).default("octoroute:"),
  /** A Redis call slower than this counts as failed. */
  timeoutMs: z.number().int().min(10).max(60_000).default(500),
  /**
   * When Redis cannot be reached: `allow` serves the request unchecked (and says so in the log,
   * at most once a minute), `deny` answers 503. Spend is still in the ledger either way.
   */
  onUnavailable: z.enum(["allow", "deny"]).default("allow"),
});
export type CountersConfig = z.infer<typeof countersSchema>;

/** Per-tenant (or per-key) spend budget in USD, per UTC calendar day and month. */
export const budgetSchema = z.strictObject({
  usdPerDay: z.number().min(0).optional(),
  usdPerMonth: z.number().min(0).optional(),
});
export type BudgetConfig = z.infer<typeof budgetSchema>;

/** Per-tenant (or per-key) rate limits over a sliding minute. */
export const limitsSchema = z.strictObject({
  /** Requests per minute. */
  rpm: z.number().int().min(0).optional(),
  /** Tokens (prompt + max output, settled to actual) per minute. */
  tpm: z.number().int().min(0).optional(),
});
export type LimitsConfig = z.infer<typeof limitsSchema>;
