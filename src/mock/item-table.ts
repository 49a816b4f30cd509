import { writeCounter } from './counter-value.js';
import type { MemcachedClock } from './memcached-clock.js';
import type { StoreStats } from './store-stats.js';

/** One item as the table holds it; the store changes it in place (memcached's `item` and its `it_flags`). */
export interface Item {
  value: Uint8Array;
  /** Client flags, an unsigned 32-bit integer. */
  flags: number;
  /** memcached relative seconds; 0 = never. */
  exptime: number;
  /**
   * memcached's `it->time`, in relative seconds: when it was linked, moved on by LRU bumps. flush_all
   * compares it, and a bump never moves it past a pending flush's mark (a lookup drops the item first).
   */
  time: number;
  cas: bigint;
  /** `ITEM_FETCHED`: read at least once (`mg … h`). */
  fetched: boolean;
  /** `ITEM_ACTIVE`: read twice; later reads no longer move `time`. */
  active: boolean;
  /** `ITEM_STALE`: marked by `md … I` (or stored stale by `ms … I`); `mg` answers `X`. */
  stale: boolean;
  /** `ITEM_TOKEN_SENT`: a win (`W`) was handed out; `mg` answers `Z`. */
  tokenSent: boolean;
  /** `ITEM_KEY_BINARY`: stored by `ms … b`, so `k` echoes the key in base64. */
  binaryKey: boolean;
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
  /** Items a reply not yet written still points to (see {@link hold}). */
  private readonly held = new Set<Item>();

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
  link(key: string, value: Uint8Array, flags: number, exptime: number): Item {
    const item: Item = { value, flags, exptime, time: this.clock.current(), cas: this.nextCas(), fetched: false, active: false, stale: false, tokenSent: false, binaryKey: false };
    this.items.set(key, item);
    this.counters.total_items++;
    return item;
  }

  /**
   * A read's LRU bump (`do_item_bump`): the first read marks the item fetched, the second active and
   * moves its time. memcached's LRU maintainer also moves items between its HOT, WARM and COLD queues,
   * which changes when a bump moves the time; the table is a server that runs without it
   * (`-o no_lru_maintainer`), as the wire test's is.
   */
  bump(item: Item): void {
    if (item.active) return;
    if (!item.fetched) item.fetched = true;
    else {
      item.active = true;
      item.time = this.clock.current();
    }
  }

  /**
   * An `mg` hit whose reply is not written yet keeps a reference to its item (memcached's `resp->item`),
   * and incr/decr rewrite an item in place only when nobody else holds it: in a pipelined request, an
   * incr after an `mg` of the same key makes a new item. Released when the replies are written
   * ({@link release}). Probed on 1.6.18: a text `get` hit leaves the next incr in place.
   */
  hold(item: Item): void {
    this.held.add(item);
  }

  /** Whether a reply not yet written holds the item. */
  isHeld(item: Item): boolean {
    return this.held.has(item);
  }

  /** The replies so far are written: their items are free again. */
  release(): void {
    this.held.clear();
  }

  /** `do_item_update`: a write that keeps the item (add over it, incr in place) moves its time. */
  update(item: Item): void {
    item.time = this.clock.current();
  }

  /** Removes the item under `key`, live or not. */
  unlink(key: string): void {
    this.items.delete(key);
  }

  /** A new cas unique: every change to an item takes one. */
  nextCas(): bigint {
    return ++this.casId;
  }

  /**
   * An incr/decr's `result` stored under `key`, whose item is `old` (memcached's `do_add_delta`): in
   * place, space-padded with a new cas, when it fits and no unwritten reply holds the item; else in a
   * new item. Returns the cas the key's item now has.
   */
  setCounter(key: string, old: Item, result: bigint): bigint {
    const next = writeCounter(result, old.value);
    if (!next.inPlace || this.isHeld(old)) return this.link(key, Buffer.from(result.toString(), 'latin1'), old.flags, old.exptime).cas;
    old.value = next.bytes;
    old.cas = this.nextCas();
    this.update(old);
    return old.cas;
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
