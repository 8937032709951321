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
 *
 * Non-negative integer keys (the sequence numbers most users key by) go first to a fixed ring of
 * slots, `key % SLOTS`: sequence numbers in flight together land in distinct slots, and a slot is
 * a plain array write, where an object's integer-keyed dictionary costs ~5× more per set and
 * delete (~270 against ~50 ns measured). A key whose slot is taken by a live entry (one that has
 * stayed for SLOTS later keys) goes to the dictionary.
 */
const SLOTS = 1024;
/** Marks a free slot: slots take only non-negative keys. */
const EMPTY = -1;

export class TransientMap<K extends string | number, V> {
  private items: Record<K, V> = Object.create(null) as Record<K, V>;
  private count = 0;
  /** The key in each slot; `EMPTY` when the slot is free. */
  private readonly slotKeys = new Float64Array(SLOTS).fill(EMPTY);
  private readonly slotValues: Array<V | undefined> = new Array<V | undefined>(SLOTS).fill(undefined);

  get size(): number {
    return this.count;
  }

  private slotOf(key: K): number {
    return typeof key === "number" && key >= 0 && Number.isInteger(key) ? key % SLOTS : -1;
  }

  get(key: K): V | undefined {
    const i = this.slotOf(key);
    if (i !== -1 && this.slotKeys[i] === key) return this.slotValues[i];
    return this.items[key];
  }

  has(key: K): boolean {
    const i = this.slotOf(key);
    return (i !== -1 && this.slotKeys[i] === key) || key in this.items;
  }

  set(key: K, value: V): this {
    const i = this.slotOf(key);
    if (i !== -1) {
      if (this.slotKeys[i] === key) {
        this.slotValues[i] = value;
        return this;
      }
      if (this.slotKeys[i] === EMPTY && !(key in this.items)) {
        this.slotKeys[i] = key as number;
        this.slotValues[i] = value;
        this.count++;
        return this;
      }
    }
    if (!(key in this.items)) this.count++;
    this.items[key] = value;
    return this;
  }

  delete(key: K): boolean {
    const i = this.slotOf(key);
    if (i !== -1 && this.slotKeys[i] === key) {
      this.slotKeys[i] = EMPTY;
      this.slotValues[i] = undefined;
      this.count--;
      return true;
    }
    if (!(key in this.items)) return false;
    delete this.items[key];
    this.count--;
    return true;
  }

  clear(): void {
    this.items = Object.create(null) as Record<K, V>;
    this.slotKeys.fill(EMPTY);
    this.slotValues.fill(undefined);
    this.count = 0;
  }

  /** Entries in object order: integer keys first, ascending, then string keys in insertion order. */
  *entries(): IterableIterator<[string, V]> {
    for (const key of this.orderedKeys()) yield [String(key), this.get(key as K)!];
  }

  *values(): IterableIterator<V> {
    for (const key of this.orderedKeys()) yield this.get(key as K)!;
  }

  /** A snapshot, so entries may be deleted while iterating. */
  private orderedKeys(): Array<string | number> {
    const ints: number[] = [];
    for (let i = 0; i < SLOTS; i++) if (this.slotKeys[i] !== EMPTY) ints.push(this.slotKeys[i]!);
    const rest: string[] = [];
    for (const key in this.items) {
      // Object order lists integer-like keys first, ascending: merge them with the slots'.
      if (/^(0|[1-9]\d*)$/.test(key) && Number(key) <= 0xfffffffe) ints.push(Number(key));
      else rest.push(key);
    }
    ints.sort((a, b) => a - b);
    return [...ints, ...rest];
  }
}
