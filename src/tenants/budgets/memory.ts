/**
 * In-process counter store: exact and fast for one gateway process. Spend is kept per UTC day
 * (the month is the sum of its days) and rebuilt from the ledger at start, so it survives a
 * restart; rate windows are 60 one-second buckets (a sliding minute). JavaScript runs one acquire
 * at a time, so check-and-reserve is atomic here without locks.
 */
import { type AcquireRequest, type AcquireResult, type CounterStore, type LimitStatus, type ScopePolicy, type ScopeSpend, secondsUntilNext, type Settlement, utcDay } from "./types.js";

const WINDOW_S = 60;

/** Sliding one-minute window of 60 one-second buckets. */
class MinuteWindow {
  private readonly buckets = new Float64Array(WINDOW_S);
  private readonly stamps = new Float64Array(WINDOW_S).fill(-1);

  private index(sec: number): number {
    return sec % WINDOW_S;
  }

  add(sec: number, amount: number): void {
    const i = this.index(sec);
    if (this.stamps[i] !== sec) {
      this.stamps[i] = sec;
      this.buckets[i] = 0;
    }
    this.buckets[i]! += amount;
  }

  /** Adds to the bucket of `sec` if it is still inside the window (settling a reservation). */
  adjust(sec: number, delta: number): void {
    const i = this.index(sec);
    if (this.stamps[i] === sec) this.buckets[i] = Math.max(0, this.buckets[i]! + delta);
  }

  total(nowSec: number): number {
    let sum = 0;
    for (let i = 0; i < WINDOW_S; i++) if (this.stamps[i]! > nowSec - WINDOW_S) sum += this.buckets[i]!;
    return sum;
  }

  /** Seconds until the oldest counted second leaves the window (at least 1). */
  secondsUntilOldestLeaves(nowSec: number): number {
    for (let s = nowSec - WINDOW_S + 1; s <= nowSec; s++) {
      const i = this.index(s);
      if (this.stamps[i] === s && this.buckets[i]! > 0) return Math.max(1, s + WINDOW_S - nowSec);
    }
    return 1;
  }

  /** Seconds until the window has room for `need` more (at least 1). */
  secondsUntilRoom(nowSec: number, cap: number, need: number): number {
    let total = this.total(nowSec);
    for (let s = nowSec - WINDOW_S + 1; s <= nowSec; s++) {
      const i = this.index(s);
      if (this.stamps[i] === s) total -= this.buckets[i]!;
      if (total + need <= cap) return Math.max(1, s + WINDOW_S - nowSec);
    }
    return WINDOW_S;
  }
}

interface ScopeState {
  /** USD per UTC day (`YYYY-MM-DD`). */
  days: Map<string, number>;
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

/** The tightest rpm and tpm standing over the scopes that have those limits (after reserving). */
function standing(states: Array<{ p: ScopePolicy; s: ScopeState }>, sec: number): { requests?: LimitStatus; tokens?: LimitStatus } {
  let requests: LimitStatus | undefined;
  let tokens: LimitStatus | undefined;
  for (const { p, s } of states) {
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
  return { ...(requests ? { requests } : {}), ...(tokens ? { tokens } : {}) };
}

export class MemoryCounterStore implements CounterStore {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly reservations = new Map<string, Reservation>();

  private state(scope: string): ScopeState {
    let s = this.scopes.get(scope);
    if (!s) this.scopes.set(scope, (s = { days: new Map(), reserved: 0, requests: new MinuteWindow(), tokens: new MinuteWindow() }));
    return s;
  }

  private spendOf(s: ScopeState, now: number): { day: number; month: number } {
    const day = utcDay(now);
    const month = day.slice(0, 7);
    let m = 0;
    for (const [d, usd] of s.days) {
      if (d.startsWith(month)) m += usd;
      else if (d < month) s.days.delete(d); // older months are never asked again
    }
    return { day: s.days.get(day) ?? 0, month: m };
  }

  async acquire(req: AcquireRequest): Promise<AcquireResult> {
    const sec = Math.floor(req.now / 1000);
    const states = req.scopes.map((p) => ({ p, s: this.state(p.scope) }));
    for (const { p, s } of states) {
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
    for (const { s } of states) {
      s.reserved += req.usd;
      s.requests.add(sec, 1);
      s.tokens.add(sec, req.tokens);
    }
    this.reservations.set(req.id, { scopes: states.map(({ s }) => s), usd: req.usd, tokens: req.tokens, sec });
    return { ok: true, ...standing(states, sec) };
  }

  async settle(id: string, actual: Settlement): Promise<void> {
    this.settleKnown(id, actual);
  }

  /** Settles; says whether `id` was a reservation in flight (a store that lost it may add the spend itself). */
  settleKnown(id: string, actual: Settlement): boolean {
    const r = this.reservations.get(id);
    if (!r) return false;
    this.reservations.delete(id);
    const day = utcDay(actual.now);
    for (const s of r.scopes) {
      s.reserved = Math.max(0, s.reserved - r.usd);
      if (s.reserved < 1e-12) s.reserved = 0;
      s.days.set(day, (s.days.get(day) ?? 0) + actual.usd);
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
    for (const [id, r] of this.reservations) {
      if (r.sec >= sec) continue;
      this.reservations.delete(id);
      for (const s of r.scopes) s.reserved = Math.max(0, s.reserved - r.usd);
      n++;
    }
    return n;
  }

  async addSpend(scope: string, day: string, usd: number): Promise<void> {
    const s = this.state(scope);
    s.days.set(day, (s.days.get(day) ?? 0) + usd);
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
