/**
 * In-process response store: the default when no database is wired (tests, Workers without a
 * binding) and the `responses.storage: memory` option. Lost on restart.
 */
import type { ResponseStore, StoredResponse } from "./store.js";

export class MemoryResponseStore implements ResponseStore {
  private readonly items = new Map<string, StoredResponse>();
  private puts = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private key(tenant: string, id: string): string {
    return `${tenant}\u0000${id}`;
  }

  async put(record: StoredResponse): Promise<void> {
    this.items.set(this.key(record.tenant, record.id), structuredClone(record));
    if (++this.puts % 256 === 0) await this.purgeExpired();
  }

  async get(tenant: string, id: string): Promise<StoredResponse | null> {
    const found = this.items.get(this.key(tenant, id));
    if (!found) return null;
    if (found.expiresAt !== null && found.expiresAt <= this.now()) {
      this.items.delete(this.key(tenant, id));
      return null;
    }
    return structuredClone(found);
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const present = (await this.get(tenant, id)) !== null;
    this.items.delete(this.key(tenant, id));
    return present;
  }

  async purgeExpired(now = this.now()): Promise<number> {
    let n = 0;
    for (const [k, v] of this.items) {
      if (v.expiresAt !== null && v.expiresAt <= now) {
        this.items.delete(k);
        n++;
      }
    }
    return n;
  }
}
