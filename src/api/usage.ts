/**
 * `GET /v1/usage` (a GatewayPlugin): totals from the usage ledger — requests, tokens by kind, cost,
 * p50/p95 latency — over a time window, optionally grouped by tenant, model, route, strategy, day
 * or hour. The admin key sees every tenant (and may filter with `tenant=`); a tenant key sees only
 * its own tenant, whatever it asks. Also `GET /v1/usage/requests` (most expensive requests) and
 * `GET /v1/usage/budgets` (spend against budget per tenant) for the dashboard. Runtime-agnostic:
 * the ledger and counter store arrive as interfaces.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { GatewayPlugin } from "../app.js";
import type { ScopeSpend } from "../tenants/budgets/types.js";
import { tenantScope } from "../tenants/budgets/types.js";
import { GROUP_BY, type GroupBy, type RequestRow, type UsageGroup, type UsageQuery } from "../telemetry/ledger/types.js";
import { GatewayError, invalidParam } from "./errors.js";
import type { GatewayEnv } from "./request-context.js";

/** What the usage API reads: the Ledger implements it. */
export interface UsageSource {
  usage(q: UsageQuery): Promise<UsageGroup[]>;
  topRequests(q: Omit<UsageQuery, "groupBy">, limit: number): Promise<RequestRow[]>;
}

export interface UsageApiOptions {
  ledger: UsageSource;
  /** Spend of a budget scope (counter store); omitted → `/v1/usage/budgets` reports ledger-free nulls. */
  spend?(scope: string, now: number): Promise<ScopeSpend>;
  now?: () => number;
}

const DAY_MS = 86_400_000;

/** A time as ISO 8601 (date or date-time) or Unix seconds. */
const timeParam = z
  .string()
  .trim()
  .min(1)
  .transform((v, ctx) => {
    const ms = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: "expected an ISO 8601 date/time or Unix seconds" });
      return z.NEVER;
    }
    return ms;
  });

const groupByParam = z
  .string()
  .transform((v) => v.split(",").map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.enum(GROUP_BY)).max(3).refine((a) => new Set(a).size === a.length, "repeated dimension"));

const querySchema = z.strictObject({
  from: timeParam.optional(),
  to: timeParam.optional(),
  group_by: groupByParam.optional(),
  tenant: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

type Parsed = z.infer<typeof querySchema>;

function parseQuery(c: Context<GatewayEnv>, now: number): { q: UsageQuery; limit: number } {
  const parsed = querySchema.safeParse(c.req.query());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.code === "unrecognized_keys" ? issue.keys[0]! : String(issue.path[0] ?? "query");
    throw invalidParam(param, issue.code === "unrecognized_keys" ? `Unknown query parameter "${param}".` : `Invalid "${param}": ${issue.message}.`);
  }
  const p: Parsed = parsed.data;
  const to = p.to ?? now;
  const from = p.from ?? to - 30 * DAY_MS;
  if (from >= to) throw invalidParam("from", "`from` must be before `to`.");
  const identity = c.get("identity");
  let tenant: string | undefined;
  if (identity.admin) tenant = p.tenant;
  else {
    if (p.tenant !== undefined && p.tenant !== identity.tenant) {
      throw new GatewayError("A tenant key can only read its own tenant's usage.", { status: 403, code: "permission_denied", param: "tenant" });
    }
    tenant = identity.tenant;
  }
  return { q: { from, to, groupBy: (p.group_by ?? []) as GroupBy[], tenant }, limit: p.limit ?? 20 };
}

/** UsageGroup → the API's snake_case shape. */
function wire(g: UsageGroup) {
  return {
    ...(Object.keys(g.group).length ? { group: g.group } : {}),
    requests: g.requests,
    errors: g.errors,
    calls: g.calls,
    input_tokens: g.inputTokens,
    output_tokens: g.outputTokens,
    cached_tokens: g.cachedTokens,
    cache_write_tokens: g.cacheWriteTokens,
    total_tokens: g.inputTokens + g.outputTokens,
    cost_usd: g.costUsd,
    unpriced_requests: g.unpricedRequests,
    latency_ms: { p50: g.latencyP50Ms, p95: g.latencyP95Ms },
  };
}

const EMPTY: UsageGroup = { group: {}, requests: 0, errors: 0, calls: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, costUsd: 0, unpricedRequests: 0, latencyP50Ms: null, latencyP95Ms: null };

/** The usage API plugin. */
export function usageApi(opts: UsageApiOptions): GatewayPlugin {
  const now = opts.now ?? Date.now;
  return {
    name: "usage-api",
    register(app) {
      app.get("/v1/usage", async (c) => {
        const { q } = parseQuery(c, now());
        const [groups, total] = await Promise.all([q.groupBy.length ? opts.ledger.usage(q) : Promise.resolve([]), opts.ledger.usage({ ...q, groupBy: [] })]);
        return c.json({
          object: "usage",
          from: new Date(q.from).toISOString(),
          to: new Date(q.to).toISOString(),
          tenant: q.tenant ?? null,
          group_by: q.groupBy,
          totals: wire(total[0] ?? EMPTY),
          data: groups.map(wire),
        });
      });

      app.get("/v1/usage/requests", async (c) => {
        const { q, limit } = parseQuery(c, now());
        const rows = await opts.ledger.topRequests(q, limit);
        return c.json({
          object: "list",
          data: rows.map((r) => ({
            request_id: r.requestId,
            created_at: new Date(r.ts).toISOString(),
            tenant: r.tenant,
            key_id: r.keyId,
            endpoint: r.endpoint,
            route: r.route,
            strategy: r.strategy,
            model: r.model,
            status: r.status,
            calls: r.calls,
            input_tokens: r.inputTokens,
            output_tokens: r.outputTokens,
            cost_usd: r.costUsd,
            latency_ms: r.latencyMs,
          })),
        });
      });

      app.get("/v1/usage/budgets", async (c) => {
        const identity = c.get("identity");
        const config = c.get("runtime").config;
        const t = now();
        const names = identity.admin ? Object.keys(config.tenants) : [identity.tenant];
        const data = await Promise.all(
          names.map(async (name) => {
            const budget = config.tenants[name]?.budget;
            // A shared counter store that cannot answer (Redis away): the limits are still shown.
            const spent = opts.spend ? await opts.spend(tenantScope(name), t).catch(() => undefined) : undefined;
            return {
              tenant: name,
              usd_per_day: budget?.usdPerDay ?? null,
              usd_per_month: budget?.usdPerMonth ?? null,
              spent_today_usd: spent ? round(spent.day) : null,
              spent_month_usd: spent ? round(spent.month) : null,
              reserved_usd: spent ? round(spent.reserved) : null,
            };
          }),
        );
        return c.json({ object: "list", data });
      });
    },
  };
}

const round = (v: number) => Math.round(v * 1e10) / 1e10;
