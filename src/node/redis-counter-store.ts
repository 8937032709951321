/**
 * Budgets and rate limits shared by several gateway instances: the `CounterStore` contract on
 * Redis (config `counters.url`). Each check-and-reserve is one Lua script, which Redis runs
 * atomically, so the overspend bound of the in-process store (at most one reservation) holds
 * across every instance that shares the Redis.
 *
 * Layout, per scope S (a tenant or a key), under the configured prefix P:
 * - `P d:S:<YYYY-MM-DD>` and `P m:S:<YYYY-MM>`: spend in nano-USD (integers, so sums are exact;
 *   Lua's doubles hold them exactly up to $9M per key), expiring after the period is long gone;
 * - `P r:S`: hash reservation id → `nanoUSD|expiresAtMs` of requests in flight. A reservation
 *   expires on its own after `RESERVATION_TTL_MS`, so an instance that dies mid-request cannot
 *   hold budget forever;
 * - `P q:S` and `P t:S`: hashes second → requests / tokens of the sliding minute.
 * Day and month are the caller's UTC calendar, passed in, as the in-process store counts them.
 *
 * The reservation's details (scopes, tokens, second) stay in the instance that took it, which is
 * the one that settles it. A scope with neither budget nor limits costs no round trip before the
 * request: its spend is added when the request settles, after the response.
 *
 * One Redis (or a primary with replicas), not Redis Cluster: the scripts touch keys of several scopes.
 */
import { createHash } from "node:crypto";
import { createClient } from "@redis/client";
import { type AcquireRequest, type AcquireResult, type CounterStore, type LimitStatus, type ScopePolicy, type ScopeSpend, secondsUntilNext, type Settlement, utcDay } from "../tenants/budgets/types.js";
import { TransientMap } from "../transient-map.js";

/** A reservation outlives any request the gateway lets run (strategies included) by far. */
const RESERVATION_TTL_MS = 30 * 60_000;
/** Spend keys outlive their period: a day is kept 35 days, a month 62. */
const DAY_TTL_S = 35 * 86_400;
const MONTH_TTL_S = 62 * 86_400;
const NANOS = 1e9;

const ACQUIRE = `
local P, id = ARGV[1], ARGV[2]
local now, usd, tokens, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local day, month, untilDay, untilMonth = ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local n = tonumber(ARGV[11])
local sec = math.floor(now / 1000)
local function reserved(key)
  local all, sum = redis.call('HGETALL', key), 0
  for i = 1, #all, 2 do
    local v = all[i + 1]
    local bar = string.find(v, '|', 1, true)
    if tonumber(string.sub(v, bar + 1)) <= now then redis.call('HDEL', key, all[i]) else sum = sum + tonumber(string.sub(v, 1, bar - 1)) end
  end
  return sum
end
local function window(key)
  local all, total, buckets = redis.call('HGETALL', key), 0, {}
  for i = 1, #all, 2 do
    local s, v = tonumber(all[i]), tonumber(all[i + 1])
    if s > sec - 60 then total = total + v; buckets[s] = v else redis.call('HDEL', key, all[i]) end
  end
  return total, buckets
end
-- The tightest standing after this request, per kind: {limit, remaining, seconds to reset}.
local standing = {}
local function note(kind, cap, total, buckets, need)
  local oldest = sec
  for s, v in pairs(buckets) do if v > 0 and s < oldest then oldest = s end end
  local remaining = math.max(0, math.floor(cap - total - need))
  if standing[kind] == nil or remaining < standing[kind][2] then standing[kind] = {cap, remaining, math.max(1, oldest + 60 - sec)} end
end
local function untilRoom(total, buckets, cap, need)
  for s = sec - 59, sec do
    total = total - (buckets[s] or 0)
    if total + need <= cap then return math.max(1, s + 60 - sec) end
  end
  return 60
end
for i = 0, n - 1 do
  local o = 12 + i * 5
  local S, perDay, perMonth, rpm, tpm = ARGV[o], ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4]
  if perDay ~= '' or perMonth ~= '' then
    local r = reserved(P .. 'r:' .. S)
    if perDay ~= '' and tonumber(redis.call('GET', P .. 'd:' .. S .. ':' .. day) or '0') + r + usd > tonumber(perDay) then
      return {'budget_exceeded', S, 'usdPerDay', untilDay}
    end
    if perMonth ~= '' and tonumber(redis.call('GET', P .. 'm:' .. S .. ':' .. month) or '0') + r + usd > tonumber(perMonth) then
      return {'budget_exceeded', S, 'usdPerMonth', untilMonth}
    end
  end
  if rpm ~= '' then
    local total, buckets = window(P .. 'q:' .. S)
    if total + 1 > tonumber(rpm) then return {'rate_limit_exceeded', S, 'rpm', tostring(untilRoom(total, buckets, tonumber(rpm), 1))} end
    note('rpm', tonumber(rpm), total, buckets, 1)
  end
  if tpm ~= '' then
    local total, buckets = window(P .. 't:' .. S)
    local cap = tonumber(tpm)
    if total + tokens > cap then return {'rate_limit_exceeded', S, 'tpm', tostring(untilRoom(total, buckets, cap, math.min(tokens, cap)))} end
    note('tpm', cap, total, buckets, tokens)
  end
end
for i = 0, n - 1 do
  local o = 12 + i * 5
  local S = ARGV[o]
  if ARGV[o + 1] ~= '' or ARGV[o + 2] ~= '' then
    redis.call('HSET', P .. 'r:' .. S, id, ARGV[4] .. '|' .. tostring(now + ttl))
    redis.call('PEXPIRE', P .. 'r:' .. S, ttl)
  end
  if ARGV[o + 3] ~= '' then
    redis.call('HINCRBY', P .. 'q:' .. S, sec, 1)
    redis.call('EXPIRE', P .. 'q:' .. S, 120)
  end
  if ARGV[o + 4] ~= '' then
    redis.call('HINCRBY', P .. 't:' .. S, sec, tokens)
    redis.call('EXPIRE', P .. 't:' .. S, 120)
  end
end
local out = {'ok'}
for _, kind in ipairs({'rpm', 'tpm'}) do
  local st = standing[kind]
  if st then
    table.insert(out, tostring(st[1])); table.insert(out, tostring(st[2])); table.insert(out, tostring(st[3]))
  else
    table.insert(out, ''); table.insert(out, ''); table.insert(out, '')
  end
end
return out
`;

/** Settles one reservation on every scope: spend added, reservation dropped, tokens corrected. */
const SETTLE = `
local P, id, day, month = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local usd, tokenDelta, sec = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local dayTtl, monthTtl, n = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
for i = 0, n - 1 do
  local S, tpm = ARGV[11 + i * 2], ARGV[12 + i * 2]
  redis.call('HDEL', P .. 'r:' .. S, id)
  if usd ~= 0 then
    redis.call('INCRBY', P .. 'd:' .. S .. ':' .. day, usd)
    redis.call('EXPIRE', P .. 'd:' .. S .. ':' .. day, dayTtl)
    redis.call('INCRBY', P .. 'm:' .. S .. ':' .. month, usd)
    redis.call('EXPIRE', P .. 'm:' .. S .. ':' .. month, monthTtl)
  end
  if tpm == '1' and tokenDelta ~= 0 then
    local key = P .. 't:' .. S
    local cur = redis.call('HGET', key, sec)
    if cur then redis.call('HSET', key, sec, math.max(0, tonumber(cur) + tokenDelta)) end
  end
end
return 1
`;

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
const ACQUIRE_SHA = sha1(ACQUIRE);
const SETTLE_SHA = sha1(SETTLE);

const nanos = (usd: number) => Math.round(usd * NANOS);
const opt = (v: number | undefined, scale = 1) => (v === undefined ? "" : String(Math.round(v * scale)));

interface Reservation {
  scopes: ScopePolicy[];
  usdNanos: number;
  tokens: number;
  sec: number;
}

export interface RedisCounterStoreOptions {
  url: string;
  prefix: string;
  timeoutMs: number;
  /** What `acquire` does when Redis cannot answer: serve unchecked, or refuse (503). */
  onUnavailable: "allow" | "deny";
  log?: (msg: string) => void;
}

/** Thrown by `acquire` with `onUnavailable: "deny"` when Redis cannot answer; the admission maps it to 503. */
export class CountersUnavailable extends Error {
  override name = "CountersUnavailable";
}

export class RedisCounterStore implements CounterStore {
  private readonly client;
  /** One entry per request in flight (a TransientMap: see why there). */
  private readonly reservations = new TransientMap<string | number, Reservation>();
  private lastLog = 0;

  private constructor(private readonly opts: RedisCounterStoreOptions) {
    // No offline queue: while Redis is away, calls fail at once (and `onUnavailable` decides)
    // instead of holding requests until it comes back.
    // No per-command timeout of the client's own: it arms an AbortSignal.timeout per command
    // (~10 µs of CPU each in `npm run bench:accounting`); `script()` races one plain timer instead.
    this.client = createClient({
      url: opts.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: 0 },
      socket: { connectTimeout: Math.max(1000, opts.timeoutMs), reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2000) },
    });
    this.client.on("error", (err: Error) => this.warn(`counters: Redis: ${err.message}`));
  }

  /** Connects (waiting up to the timeout; the client keeps reconnecting in the background after). */
  static async connect(opts: RedisCounterStoreOptions): Promise<RedisCounterStore> {
    const store = new RedisCounterStore(opts);
    // Scripts are loaded on every (re)connection: a script's first EVALSHA would otherwise fail
    // and be re-sent as EVAL, behind commands sent after it (a settle overtaken by a read of the
    // spend it adds), and a restarted Redis has forgotten them.
    store.client.on("ready", () => void store.loadScripts().catch(() => {}));
    // connect() keeps retrying until Redis answers; the gateway waits for it only so long.
    const connecting = store.client.connect();
    connecting.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = Math.max(1000, opts.timeoutMs);
    try {
      await Promise.race([connecting, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no connection within ${limit} ms`)), limit)))]);
      await store.loadScripts();
    } catch (err) {
      if (opts.onUnavailable === "deny") {
        await store.close().catch(() => {});
        throw new CountersUnavailable(`counters: cannot reach Redis (counters.onUnavailable is deny): ${(err as Error).message}`);
      }
      store.warn(`counters: cannot reach Redis yet (${(err as Error).message}); requests are served unchecked until it answers`);
    } finally {
      clearTimeout(timer);
    }
    return store;
  }

  private async loadScripts(): Promise<void> {
    await this.client.sendCommand(["SCRIPT", "LOAD", ACQUIRE]);
    await this.client.sendCommand(["SCRIPT", "LOAD", SETTLE]);
  }

  private warn(msg: string): void {
    if (Date.now() - this.lastLog < 60_000) return;
    this.lastLog = Date.now();
    // The client's messages name the host at most, never the URL's password.
    this.opts.log?.(msg);
  }

  private async script(sha: string, body: string, args: string[]): Promise<unknown> {
    const call = async () => {
      try {
        return await this.client.sendCommand(["EVALSHA", sha, "0", ...args]);
      } catch (err) {
        if (!String((err as Error).message).startsWith("NOSCRIPT")) throw err;
        return await this.client.sendCommand(["EVAL", body, "0", ...args]);
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.opts.timeoutMs} ms`)), this.opts.timeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    const sec = Math.floor(req.now / 1000);
    const usdNanos = nanos(req.usd);
    const key = req.seq ?? req.id;
    this.reservations.set(key, { scopes: req.scopes, usdNanos, tokens: req.tokens, sec });
    const checked = req.scopes.filter((p) => hasBudget(p) || p.limits?.rpm !== undefined || p.limits?.tpm !== undefined);
    if (!checked.length) return { ok: true };
    const day = utcDay(req.now);
    const args = [this.opts.prefix, req.id, String(req.now), String(usdNanos), String(req.tokens), String(RESERVATION_TTL_MS), day, day.slice(0, 7)];
    args.push(String(secondsUntilNext("day", req.now)), String(secondsUntilNext("month", req.now)), String(checked.length));
    for (const p of checked) args.push(p.scope, opt(p.budget?.usdPerDay, NANOS), opt(p.budget?.usdPerMonth, NANOS), opt(p.limits?.rpm), opt(p.limits?.tpm));
    let reply: string[];
    try {
      reply = (await this.script(ACQUIRE_SHA, ACQUIRE, args)) as string[];
    } catch (err) {
      this.warn(`counters: Redis did not answer (${(err as Error).message}); ${this.opts.onUnavailable === "allow" ? "serving requests unchecked" : "refusing requests"}`);
      if (this.opts.onUnavailable === "deny") {
        this.reservations.delete(key);
        throw new CountersUnavailable("Budgets and rate limits cannot be checked right now; try again shortly.");
      }
      return { ok: true };
    }
    if (reply[0] === "ok") return { ok: true, ...standingOf(reply, 1, "requests"), ...standingOf(reply, 4, "tokens") };
    this.reservations.delete(key);
    return { ok: false, code: reply[0] as "budget_exceeded" | "rate_limit_exceeded", scope: reply[1]!, limit: reply[2] as "usdPerDay", retryAfterSeconds: Number(reply[3]) };
  }

  async settle(id: string, actual: Settlement, seq?: number): Promise<void> {
    const r = this.reservations.get(seq ?? id);
    if (!r) return;
    this.reservations.delete(seq ?? id);
    const day = utcDay(actual.now);
    const args = [this.opts.prefix, id, day, day.slice(0, 7), String(nanos(actual.usd)), String(actual.tokens - r.tokens), String(r.sec), String(DAY_TTL_S), String(MONTH_TTL_S), String(r.scopes.length)];
    for (const p of r.scopes) args.push(p.scope, p.limits?.tpm !== undefined ? "1" : "0");
    try {
      await this.script(SETTLE_SHA, SETTLE, args);
    } catch (err) {
      // The ledger still has the request; only the shared counters miss it.
      this.warn(`counters: could not record spend in Redis (${(err as Error).message}); the ledger has it`);
    }
  }

  async addSpend(scope: string, day: string, usd: number): Promise<void> {
    const n = nanos(usd);
    const d = `${this.opts.prefix}d:${scope}:${day}`;
    const m = `${this.opts.prefix}m:${scope}:${day.slice(0, 7)}`;
    await this.client.multi().incrBy(d, n).expire(d, DAY_TTL_S).incrBy(m, n).expire(m, MONTH_TTL_S).exec();
  }

  async spend(scope: string, now: number): Promise<ScopeSpend> {
    const day = utcDay(now);
    const p = this.opts.prefix;
    const [d, m, r] = await Promise.all([this.client.get(`${p}d:${scope}:${day}`), this.client.get(`${p}m:${scope}:${day.slice(0, 7)}`), this.client.hVals(`${p}r:${scope}`)]);
    let reserved = 0;
    for (const v of r) {
      const [amount, expires] = v.split("|");
      if (Number(expires) > now) reserved += Number(amount);
    }
    return { day: Number(d ?? 0) / NANOS, month: Number(m ?? 0) / NANOS, reserved: reserved / NANOS };
  }

  /**
   * Claims the seeding of `month`'s spend from the ledger: true for the first instance to ask
   * since Redis last lost its data, false for every other (their spend is in Redis already).
   */
  async claimSeed(month: string): Promise<boolean> {
    const set = await this.client.set(`${this.opts.prefix}seeded:${month}`, String(Date.now()), { condition: "NX", expiration: { type: "EX", value: MONTH_TTL_S } });
    return set === "OK";
  }

  reachable(): boolean {
    return this.client.isReady;
  }

  async close(): Promise<void> {
    this.reservations.clear();
    // Still connecting (Redis unreachable): stop trying rather than wait for it.
    if (this.client.isReady) await this.client.close();
    else this.client.destroy();
  }
}

function hasBudget(p: ScopePolicy): boolean {
  return p.budget?.usdPerDay !== undefined || p.budget?.usdPerMonth !== undefined;
}

/** `{requests|tokens: LimitStatus}` from the script's reply at `at` (limit, remaining, reset), if the kind applied. */
function standingOf(reply: string[], at: number, kind: "requests" | "tokens"): Partial<Record<"requests" | "tokens", LimitStatus>> {
  if (!reply[at]) return {};
  return { [kind]: { limit: Number(reply[at]), remaining: Number(reply[at + 1]), resetSeconds: Number(reply[at + 2]) } };
}
