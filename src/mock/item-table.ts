import type { MemcachedClock } from './memcached-clock.js';
import type { StoreStats } from './store-stats.js';

/** One item as the table holds it; the store changes `value`, `exptime` and `cas` in place. */
export interface Item {
  value: Uint8Array;
  /** Client flags, an unsigned 32-bit integer. */
  flags: number;
  /** memcached relative seconds; 0 = never. */
  exptime: number;
  /** When it was linked, in relative seconds (flush_all compares it). */
  readonly time: number;
  cas: bigint;
}

/**
 * memcached's hash table with its notion of a live item: expired (exptime reached) and flushed
 * (flush_all's `oldest_live`/`oldest_cas` marks) items are dropped when a lookup meets them, as
 * `do_item_get` does, and counted as `get_expired`/`get_flushed`. Also owns the global cas counter.
 */
export class ItemTable {
  private readonly items = new Map<string, Item>();
  /** The last cas unique handed out (memcached's `cas_id`). */
  private casId = 0n;
  /** flush_all state, as memcached's `settings.oldest_live` and `settings.oldest_cas`. */
  private oldestLive = 0;
  private oldestCas = 0n;

  constructor(
    private readonly clock: MemcachedClock,
    private readonly counters: StoreStats,
  ) {}

  /** The live item under `key`, dropping (and counting) an expired or flushed one. */
  lookup(key: string): Item | undefined {
    const item = this.items.get(key);
    if (item === undefined) return undefined;
    if (this.flushed(item)) this.counters.get_flushed++;
    else if (this.expired(item)) this.counters.get_expired++;
    else return item;
    this.items.delete(key);
    return undefined;
  }

  /** The live item under `key`, without counting or dropping anything. */
  peek(key: string): Item | undefined {
    const item = this.items.get(key);
    return item !== undefined && this.alive(item) ? item : undefined;
  }

  /** Stores a new item under `key` (replacing any), with a new cas unique; `value` is kept, not copied. */
  link(key: string, value: Uint8Array, flags: number, exptime: number): void {
    this.items.set(key, { value, flags, exptime, time: this.clock.current(), cas: this.nextCas() });
    this.counters.total_items++;
  }

  /** Removes the item under `key`, live or not. */
  unlink(key: string): void {
    this.items.delete(key);
  }

  /** A new cas unique: every change to an item takes one. */
  nextCas(): bigint {
    return ++this.casId;
  }

  /** Live items now. */
  liveCount(): number {
    let live = 0;
    for (const item of this.items.values()) if (this.alive(item)) live++;
    return live;
  }

  /**
   * Sets flush_all's mark as memcached 1.6.18 does: items stored up to `newOldest - 1` are invalid from
   * then on, and when that is already now, so is every item with an older cas unique (an immediate
   * flush takes a unique of its own for that). Items an earlier mark already made invalid are dropped
   * first, so moving the mark never brings them back (see MemoryStore.flushAll).
   */
  flush(newOldest: number): void {
    for (const [key, item] of this.items) if (this.flushed(item)) this.items.delete(key);
    this.oldestLive = newOldest - 1;
    if (this.oldestLive <= this.clock.current()) this.oldestCas = this.nextCas();
  }

  private alive(item: Item): boolean {
    return !this.flushed(item) && !this.expired(item);
  }

  private expired(item: Item): boolean {
    return item.exptime !== 0 && item.exptime <= this.clock.current();
  }

  /** memcached's item_is_flushed; an `oldest_live` of 0 means no flush at all. */
  private flushed(item: Item): boolean {
    if (this.oldestLive <= 0 || this.oldestLive > this.clock.current()) return false;
    return item.time <= this.oldestLive || (this.oldestCas !== 0n && item.cas < this.oldestCas);
  }
}
