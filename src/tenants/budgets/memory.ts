/**
 * In-process counter store: exact and fast for one gateway process. Spend is kept per UTC day
 * (the month is the sum of its days) and rebuilt from the ledger at start, so it survives a
 * restart; rate windows are 60 one-second buckets (a sliding minute). JavaScript runs one acquire
 * at a time, so check-and-reserve is atomic here without locks.
 */
import { type AcquireRequest, type AcquireResult, type CounterStore, type LimitStatus, type ScopePolicy, type ScopeSpend, secondsUntilNext, type Settlement, utcDay } from "./types.js";
import { TransientMap } from "../../transient-map.js";

const WINDOW_S = 60;
/** A month key no day starts with: the month sum is computed at the first read. */
const NO_MONTH = "\u0000";

/**
 * Sliding one-minute window of 60 one-second buckets with a running total: every request reads
 * the total (its check, then the rate-limit headers), so it is kept up to date as seconds leave
 * the window instead of summed over the buckets each time.
 */
class MinuteWindow {
  private readonly buckets = new Float64Array(WINDOW_S);
  /** The latest second seen; buckets of seconds in (latest − 60, latest] are live, others 0. */
  private latest = -Infinity;
  private sum = 0;
  /**
   * Every bucket of the seconds from the window's start up to (not including) this one is empty,
   * so the search for the oldest counted second starts here: at a steady rate it is found at once.
   */
  private scanFrom = -Infinity;

  /** Moves the window to `sec`, emptying the buckets of the seconds that left it. */
  private advance(sec: number): void {
    if (sec <= this.latest) return;
    if (sec - this.latest >= WINDOW_S) {
      this.buckets.fill(0);
      this.sum = 0;
    } else {
      for (let s = this.latest + 1; s <= sec; s++) {
        const i = s % WINDOW_S;
        this.sum -= this.buckets[i]!;
        this.buckets[i] = 0;
      }
      if (this.sum < 1e-9) this.sum = 0;
    }
    this.latest = sec;
  }

  /** Whether `sec` is inside the window that ends at the latest second seen. */
  private live(sec: number): boolean {
    return sec <= this.latest && sec > this.latest - WINDOW_S;
  }

  add(sec: number, amount: number): void {
    this.advance(sec);
    // A clock that stepped back counts in the latest second (never outside the window).
    const at = this.live(sec) ? sec : this.latest;
    this.buckets[at % WINDOW_S]! += amount;
    this.sum += amount;
    if (amount > 0 && at < this.scanFrom) this.scanFrom = at;
  }

  /** Adds to the bucket of `sec` if it is still inside the window (settling a reservation). */
  adjust(sec: number, delta: number): void {
    if (!this.live(sec)) return;
    const i = sec % WINDOW_S;
    const next = Math.max(0, this.buckets[i]! + delta);
    this.sum += next - this.buckets[i]!;
    this.buckets[i] = next;
    if (next > 0 && sec < this.scanFrom) this.scanFrom = sec;
  }

  total(nowSec: number): number {
    this.advance(nowSec);
    return this.sum;
  }

  /** Seconds until the oldest counted second leaves the window (at least 1). */
  secondsUntilOldestLeaves(nowSec: number): number {
    this.advance(nowSec);
    for (let s = Math.max(this.scanFrom, this.latest - WINDOW_S + 1); s <= this.latest; s++) {
      if (this.buckets[s % WINDOW_S]! > 0) {
        this.scanFrom = s;
        return Math.max(1, s + WINDOW_S - nowSec);
      }
    }
    this.scanFrom = this.latest + 1;
    return 1;
  }

  /** Seconds until the window has room for `need` more (at least 1). */
  secondsUntilRoom(nowSec: number, cap: number, need: number): number {
    let total = this.total(nowSec);
    for (let s = this.latest - WINDOW_S + 1; s <= this.latest; s++) {
      total -= this.buckets[s % WINDOW_S]!;
      if (total + need <= cap) return Math.max(1, s + WINDOW_S - nowSec);
    }
    return WINDOW_S;
  }
}

interface ScopeState {
  /** USD per UTC day (`YYYY-MM-DD`). */
  days: Map<string, number>;
  /** The month (`YYYY-MM`) `monthUsd` sums, kept as days are added: every request reads it. */
  monthKey: string;
  monthUsd: number;
  reserved: number;
  requests: MinuteWindow;
  tokens: MinuteWindow;
}

interface Reservation {
  scopes: ScopeState[];
  usd: number;
  tokens: number;
  sec: number;
}

/** The admission with the tightest rpm and tpm standing over the scopes that have those limits (after reserving). */
function admitted(policies: ScopePolicy[], states: ScopeState[], sec: number): AcquireResult {
  let requests: LimitStatus | undefined;
  let tokens: LimitStatus | undefined;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i]!;
    const s = states[i]!;
    const rpm = p.limits?.rpm;
    if (rpm !== undefined) {
      const remaining = Math.max(0, rpm - s.requests.total(sec));
      if (!requests || remaining < requests.remaining) requests = { limit: rpm, remaining, resetSeconds: s.requests.secondsUntilOldestLeaves(sec) };
    }
    const tpm = p.limits?.tpm;
    if (tpm !== undefined) {
      const remaining = Math.max(0, Math.floor(tpm - s.tokens.total(sec)));
      if (!tokens || remaining < tokens.remaining) tokens = { limit: tpm, remaining, resetSeconds: s.tokens.secondsUntilOldestLeaves(sec) };
    }
  }
  const result: AcquireResult = { ok: true };
  if (requests) result.requests = requests;
  if (tokens) result.tokens = tokens;
  return result;
}

export class MemoryCounterStore implements CounterStore {
  private readonly scopes = new Map<string, ScopeState>();
  /** One entry per request in flight (a TransientMap: see why there). */
  private readonly reservations = new TransientMap<string | number, Reservation>();

  private state(scope: string): ScopeState {
    let s = this.scopes.get(scope);
    if (!s) this.scopes.set(scope, (s = { days: new Map(), monthKey: NO_MONTH, monthUsd: 0, reserved: 0, requests: new MinuteWindow(), tokens: new MinuteWindow() }));
    return s;
  }

  private spendOf(s: ScopeState, now: number): { day: number; month: number } {
    const day = utcDay(now);
    if (!day.startsWith(s.monthKey)) {
      // A new month (or the first read): sum its days, forget older months (never asked again).
      s.monthKey = day.slice(0, 7);
      s.monthUsd = 0;
      for (const [d, usd] of s.days) {
        if (d.startsWith(s.monthKey)) s.monthUsd += usd;
        else if (d < s.monthKey) s.days.delete(d);
      }
    }
    return { day: s.days.get(day) ?? 0, month: s.monthUsd };
  }

  private addToDay(s: ScopeState, day: string, usd: number): void {
    s.days.set(day, (s.days.get(day) ?? 0) + usd);
    if (day.startsWith(s.monthKey)) s.monthUsd += usd;
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    const sec = Math.floor(req.now / 1000);
    const states = req.scopes.map((p) => this.state(p.scope));
    for (let i = 0; i < states.length; i++) {
      const p = req.scopes[i]!;
      const s = states[i]!;
      const b = p.budget;
      if (b && (b.usdPerDay !== undefined || b.usdPerMonth !== undefined)) {
        const spent = this.spendOf(s, req.now);
        if (b.usdPerDay !== undefined && spent.day + s.reserved + req.usd > b.usdPerDay) {
          return { ok: false, code: "budget_exceeded", scope: p.scope, limit: "usdPerDay", retryAfterSeconds: secondsUntilNext("day", req.now) };
        }
        if (b.usdPerMonth !== undefined && spent.month + s.reserved + req.usd > b.usdPerMonth) {
          return { ok: false, code: "budget_exceeded", scope: p.scope, limit: "usdPerMonth", retryAfterSeconds: secondsUntilNext("month", req.now) };
        }
      }
      const l = p.limits;
      if (l?.rpm !== undefined && s.requests.total(sec) + 1 > l.rpm) {
        return { ok: false, code: "rate_limit_exceeded", scope: p.scope, limit: "rpm", retryAfterSeconds: s.requests.secondsUntilRoom(sec, l.rpm, 1) };
      }
      if (l?.tpm !== undefined && s.tokens.total(sec) + req.tokens > l.tpm) {
        return { ok: false, code: "rate_limit_exceeded", scope: p.scope, limit: "tpm", retryAfterSeconds: s.tokens.secondsUntilRoom(sec, l.tpm, Math.min(req.tokens, l.tpm)) };
      }
    }
    for (const s of states) {
      s.reserved += req.usd;
      s.requests.add(sec, 1);
      s.tokens.add(sec, req.tokens);
    }
    this.reservations.set(req.seq ?? req.id, { scopes: states, usd: req.usd, tokens: req.tokens, sec });
    return admitted(req.scopes, states, sec);
  }

  async settle(id: string, actual: Settlement, seq?: number): Promise<void> {
    this.settleKnown(id, actual, seq);
  }

  /** Settles; says whether `id` was a reservation in flight (a store that lost it may add the spend itself). */
  settleKnown(id: string, actual: Settlement, seq?: number): boolean {
    const key = seq ?? id;
    const r = this.reservations.get(key);
    if (!r) return false;
    this.reservations.delete(key);
    const day = utcDay(actual.now);
    for (const s of r.scopes) {
      s.reserved = Math.max(0, s.reserved - r.usd);
      if (s.reserved < 1e-12) s.reserved = 0;
      this.addToDay(s, day, actual.usd);
      s.tokens.adjust(r.sec, actual.tokens - r.tokens);
    }
    return true;
  }

  /**
   * Releases reservations taken before `beforeMs` that were never settled (for a store that
   * outlives the gateways holding them, such as a Durable Object: an isolate that died mid-request
   * must not hold budget forever). Their tokens stay counted in the minute they were taken.
   */
  expireBefore(beforeMs: number): number {
    const sec = Math.floor(beforeMs / 1000);
    let n = 0;
    for (const [id, r] of this.reservations.entries()) {
      if (r.sec >= sec) continue;
      this.reservations.delete(id);
      for (const s of r.scopes) s.reserved = Math.max(0, s.reserved - r.usd);
      n++;
    }
    return n;
  }

  async addSpend(scope: string, day: string, usd: number): Promise<void> {
    const s = this.state(scope);
    this.addToDay(s, day, usd);
  }

  async spend(scope: string, now: number): Promise<ScopeSpend> {
    const s = this.scopes.get(scope);
    if (!s) return { day: 0, month: 0, reserved: 0 };
    return { ...this.spendOf(s, now), reserved: s.reserved };
  }

  async close(): Promise<void> {
    this.reservations.clear();
  }
}
