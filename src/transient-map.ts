/**
 * A keyed collection for entries that come and go all the time (one per request, or per
 * hand-off to a background thread) inside a structure that lives as long as the process.
 *
 * Not a `Map` or `Set`: those rebuild their table every few adds when entries keep leaving, and
 * V8 keeps each discarded table's entries and a link to the table that replaced it (for
 * iterators still walking it). Once one discarded table has been promoted to the old generation,
 * that link keeps every later table, and whatever its entries reach, through young-generation
 * GCs until a full GC; a request's objects then get promoted instead of dying young
 * (docs/performance.md). A dictionary-mode object has no such link: a table it discards holds
 * what it held, nothing newer.
 */
export class TransientMap<K extends string | number, V> {
  private items: Record<K, V> = Object.create(null) as Record<K, V>;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: K): V | undefined {
    return this.items[key];
  }

  has(key: K): boolean {
    return key in this.items;
  }

  set(key: K, value: V): this {
    if (!(key in this.items)) this.count++;
    this.items[key] = value;
    return this;
  }

  delete(key: K): boolean {
    if (!(key in this.items)) return false;
    delete this.items[key];
    this.count--;
    return true;
  }

  clear(): void {
    this.items = Object.create(null) as Record<K, V>;
    this.count = 0;
  }

  /** Entries in insertion order for string keys; numeric keys come first, ascending (object order). */
  *entries(): IterableIterator<[string, V]> {
    for (const key in this.items) yield [key, this.items[key as K]];
  }

  *values(): IterableIterator<V> {
    for (const key in this.items) yield this.items[key as K];
  }
}
