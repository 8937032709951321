/**
 * The tenants of a loaded config, indexed by key hash. Resolving a key hashes it once and
 * compares the stored hash in constant time.
 */
import { LRUCache } from "lru-cache";
import type { OctorouteConfig } from "../config/schema.js";
import type { TenantConfig } from "../config/tenants.js";
import { constantTimeEqual, sha256Hex } from "./keys.js";

export interface TenantIdentity {
  tenant: string;
  /** Stable id of the key (config `id`, or the first 12 hex digits of its hash). */
  keyId: string;
  config: TenantConfig;
  /** The key's own entry (budget/limits per key), when it is an object. */
  keyConfig?: Exclude<TenantConfig["keys"][number], string>;
  admin: false;
}

export interface AdminIdentity {
  tenant: null;
  keyId: string;
  admin: true;
}

export type Identity = TenantIdentity | AdminIdentity;

export class TenantRegistry {
  private readonly byHash = new Map<string, { hex: string; identity: Identity }>();
  /**
   * Keys that resolved recently → their identity, so the hot path skips the (async, thread-pool)
   * SHA-256. Only valid keys are kept: an unknown key is hashed every time, and a hit needs the
   * exact key, so the cache tells a guesser nothing. Lives and dies with this config generation.
   */
  private readonly recent = new LRUCache<string, Identity>({ max: 4096 });

  constructor(config: OctorouteConfig) {
    for (const [tenant, tc] of Object.entries(config.tenants)) {
      for (const key of tc.keys) {
        const hash = typeof key === "string" ? key : key.hash;
        const hex = hash.slice("sha256:".length);
        const keyId = typeof key === "string" ? hex.slice(0, 12) : key.id;
        const identity: Identity = { tenant, keyId, config: tc, keyConfig: typeof key === "string" ? undefined : key, admin: false };
        this.byHash.set(hex, { hex, identity });
      }
    }
    for (const hash of config.server.adminKeys) {
      const hex = hash.slice("sha256:".length);
      this.byHash.set(hex, { hex, identity: { tenant: null, keyId: `admin:${hex.slice(0, 8)}`, admin: true } });
    }
  }

  /** The identity behind a presented key, or null. */
  async resolve(key: string): Promise<Identity | null> {
    const cached = this.recent.get(key);
    if (cached) return cached;
    const hex = await sha256Hex(key);
    const found = this.byHash.get(hex);
    if (!found) return null;
    // The map finds the candidate by hash; the stored hash is then compared in constant time so
    // no code path's timing depends on how much of a guessed key was right.
    if (!constantTimeEqual(hex, found.hex)) return null;
    this.recent.set(key, found.identity);
    return found.identity;
  }

  tenantNames(): string[] {
    const names = new Set<string>();
    for (const { identity } of this.byHash.values()) if (identity.tenant) names.add(identity.tenant);
    return [...names];
  }
}

/** May this tenant call the catalog model / route `name`? */
export function tenantAllows(list: string[], name: string): boolean {
  return list.includes("*") || list.includes(name);
}
