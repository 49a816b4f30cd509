import type { SchedulerLike } from 'rxjs';
import { MemcacheClientError, MemcacheServerError } from '../errors.js';
import { applyDelta, readCounter } from './counter-value.js';
import { DEFAULT_ITEM_SIZE_MAX, itemSize, SLAB_CHUNK_MAX } from './item-size.js';
import { ItemTable, type Item } from './item-table.js';
import { MemcachedClock } from './memcached-clock.js';
import type { MetaContext } from './meta-reply.js';
import { emptyStats, type StoreStats } from './store-stats.js';

// The in-memory memcached behind MockMemcacheClient (issue 10, item 5): text-server.ts reads the text
// protocol and calls it. Inputs are taken as the server's parser would hand them over, already
// validated by the command layer (wire keys, u32 flags, int32 exptimes, u64 deltas and uniques).
//
// Limits of the mock, by design: no eviction and no memory limit (only the per-item size limit), no
// LRU crawler (expired items are dropped when looked up, as the server also does), items of any size
// are stored whole (the server splits large ones into chunks; that only shows in incr/decr, modelled),
// incr/decr on a number of 2^63 or more assume clean memory after the value (counter-value.ts,
// scansPastValue), and incr/decr always rewrite a value in place when the result fits: a default server
// writes a new, unpadded item instead when its LRU maintainer thread happens to hold the item.

export { DEFAULT_ITEM_SIZE_MAX } from './item-size.js';

/**
 * One stored item, as a lookup returns it (a copy: changing it changes nothing in the store).
 *
 * @example
 * ```ts
 * const hit = mock.memory.peek('app:user:1'); // the wire key: keyPrefix included
 * hit?.flags; // 16: the default serde stored a string
 * ```
 */
export interface StoreHit {
  /** The wire key (latin1, one char per byte). */
  readonly key: string;
  readonly value: Uint8Array;
  /** Client flags, an unsigned 32-bit integer. */
  readonly flags: number;
  /** The cas unique, as `gets` reports it. */
  readonly cas: bigint;
}

/** What memcached answers to a storage command. */
export type StoreReply = 'STORED' | 'NOT_STORED' | 'EXISTS' | 'NOT_FOUND';

/** The storage commands that share set's shape. */
export type StoreCommand = 'set' | 'add' | 'replace' | 'append' | 'prepend';

/**
 * Options of {@link MemoryStore}.
 *
 * @example
 * ```ts
 * new MemoryStore({ scheduler: new VirtualTimeScheduler(), itemSizeMax: 2 * 1024 * 1024 });
 * ```
 */
export interface MemoryStoreOptions {
  /** Where time comes from (`now()` in ms); a TestScheduler moves it in tests. */
  readonly scheduler: SchedulerLike;
  /** memcached's `-I`, in bytes: the largest item, key and overhead included. Default 1 MiB. */
  readonly itemSizeMax?: number;
}

/**
 * A pure, I/O-free memcached 1.6.18: the text protocol's storage, retrieval, arithmetic, touch and
 * flush commands with the server's answers, cas uniques, expiry rules and `stats` counters.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ scheduler: asyncScheduler });
 * store.store('set', 'k', Buffer.from('41'), 0, 0); // 'STORED'
 * store.incr('k', 1n, true); // 42n
 * ```
 */
export class MemoryStore {
  private readonly clock: MemcachedClock;
  private readonly itemSizeMax: number;
  private readonly counters: StoreStats = emptyStats();
  private readonly items: ItemTable;
  /** @internal What the meta commands (meta-*.ts) run on: this store's items, clock and counters. */
  readonly meta: MetaContext;

  constructor(options: MemoryStoreOptions) {
    this.clock = new MemcachedClock(options.scheduler);
    this.itemSizeMax = options.itemSizeMax ?? DEFAULT_ITEM_SIZE_MAX;
    this.items = new ItemTable(this.clock, this.counters);
    this.meta = { table: this.items, clock: this.clock, counters: this.counters, itemSizeMax: this.itemSizeMax };
  }

  /** get/gets: the hits in request order (a key asked twice is answered twice), cas included. */
  get(keys: readonly string[]): StoreHit[] {
    return this.fetch(keys, undefined);
  }

  /** gat/gats: get, and give every hit a new exptime (its cas stays). */
  gat(exptime: number, keys: readonly string[]): StoreHit[] {
    return this.fetch(keys, this.clock.realtime(exptime));
  }

  /**
   * set/add/replace/append/prepend. append and prepend keep the old item's flags and exptime and ignore
   * their own.
   * @throws MemcacheServerError "object too large for cache" when the item exceeds the size limit; a
   * refused `set` also removes the key's old item, as memcached does so no stale value outlives it.
   */
  store(command: StoreCommand, key: string, value: Uint8Array, flags: number, exptime: number): StoreReply {
    this.checkSize(key, value.length, flags, command === 'set');
    this.counters.cmd_set++;
    const old = this.items.lookup(key);
    if (command === 'add' && old !== undefined) this.items.update(old);
    if (command === 'add' ? old !== undefined : command !== 'set' && old === undefined) return 'NOT_STORED';
    if (old === undefined || command === 'set' || command === 'add' || command === 'replace') {
      this.items.link(key, Uint8Array.from(value), flags, this.clock.realtime(exptime));
      return 'STORED';
    }
    if (itemSize(key.length, old.value.length + value.length, old.flags) > this.itemSizeMax) return 'NOT_STORED';
    const joined = command === 'append' ? concat(old.value, value) : concat(value, old.value);
    this.items.link(key, joined, old.flags, old.exptime);
    return 'STORED';
  }

  /**
   * cas: stores only if the item's unique is still `unique`.
   * @throws MemcacheServerError "object too large for cache", without touching the old item.
   */
  cas(key: string, value: Uint8Array, flags: number, exptime: number, unique: bigint): StoreReply {
    this.checkSize(key, value.length, flags, false);
    this.counters.cmd_set++;
    const old = this.items.lookup(key);
    if (old === undefined) return this.count('cas_misses', 'NOT_FOUND');
    if (old.cas !== unique) return this.count('cas_badval', 'EXISTS');
    this.items.link(key, Uint8Array.from(value), flags, this.clock.realtime(exptime));
    return this.count('cas_hits', 'STORED');
  }

  /** A storage command whose data block did not end in CRLF ("bad data chunk"): memcached counts it as a set first. */
  badChunk(): void {
    this.counters.cmd_set++;
  }

  /** delete. */
  delete(key: string): 'DELETED' | 'NOT_FOUND' {
    if (this.items.lookup(key) === undefined) return this.count('delete_misses', 'NOT_FOUND');
    this.items.unlink(key);
    return this.count('delete_hits', 'DELETED');
  }

  /**
   * incr (`incr` true) or decr: the new value, or 'NOT_FOUND'.
   * @throws MemcacheClientError "cannot increment or decrement non-numeric value", as the server answers.
   */
  incr(key: string, delta: bigint, incr: boolean): bigint | 'NOT_FOUND' {
    const old = this.items.lookup(key);
    if (old === undefined) return this.count(incr ? 'incr_misses' : 'decr_misses', 'NOT_FOUND');
    // The server refuses chunked (large) items outright: "too large to be a number".
    const chunked = itemSize(key.length, old.value.length, old.flags) > SLAB_CHUNK_MAX;
    const current = chunked ? undefined : readCounter(old.value);
    if (current === undefined) throw new MemcacheClientError('cannot increment or decrement non-numeric value');
    const result = applyDelta(current, delta, incr);
    this.counters[incr ? 'incr_hits' : 'decr_hits']++;
    this.items.setCounter(key, old, result);
    return result;
  }

  /** touch: a new exptime; the value and cas unique stay. */
  touch(key: string, exptime: number): 'TOUCHED' | 'NOT_FOUND' {
    this.counters.cmd_touch++;
    const item = this.items.lookup(key);
    if (item === undefined) return this.count('touch_misses', 'NOT_FOUND');
    this.items.bump(item);
    item.exptime = this.clock.realtime(exptime);
    return this.count('touch_hits', 'TOUCHED');
  }

  /**
   * flush_all: with no delay every item stored so far is gone. With a delay, memcached's rule: once
   * the delay is one second short of passing, every item stored before then, or during that second, is
   * invalid. A delay that is a Unix time at or before the server's start (62 s before the store was
   * made) cancels any pending flush.
   *
   * Items an earlier flush already made invalid stay gone. On the server they are only marked, and a
   * later flush_all that moves the mark brings back those it has not yet reclaimed (reclaiming happens
   * when a lookup or a new item of the same size class meets them), so what comes back depends on its
   * memory layout; the store takes the deterministic side.
   */
  flushAll(delay = 0): void {
    this.counters.cmd_flush++;
    this.items.flush((delay | 0) > 0 ? this.clock.realtime(delay) : this.clock.current());
  }

  /** The replies so far have been written: the items hits pointed to are free again (see ItemTable.hold). */
  repliesWritten(): void {
    this.items.release();
  }

  /** The live item under `key`, without counting a lookup or dropping anything. */
  peek(key: string): StoreHit | undefined {
    const item = this.items.peek(key);
    return item === undefined ? undefined : hitOf(key, item);
  }

  /** `stats reset`: every counter back to zero. Items stay, and `curr_items` keeps counting them. */
  resetStats(): void {
    Object.assign(this.counters, emptyStats());
  }

  /** The counters now (a copy), `curr_items` counting live items only. */
  stats(): StoreStats {
    return { ...this.counters, curr_items: this.items.liveCount() };
  }

  private fetch(keys: readonly string[], touchTo: number | undefined): StoreHit[] {
    const hits: StoreHit[] = [];
    for (const key of keys) {
      // gat/gats count as touches only, not as gets (memcached 1.6.18 proto_text.c).
      this.counters[touchTo === undefined ? 'cmd_get' : 'cmd_touch']++;
      const item = this.items.lookup(key);
      if (item === undefined) {
        this.counters[touchTo === undefined ? 'get_misses' : 'touch_misses']++;
        continue;
      }
      this.counters[touchTo === undefined ? 'get_hits' : 'touch_hits']++;
      this.items.bump(item);
      if (touchTo !== undefined) item.exptime = touchTo;
      hits.push(hitOf(key, item));
    }
    return hits;
  }

  private checkSize(key: string, valueLength: number, flags: number, dropOld: boolean): void {
    if (itemSize(key.length, valueLength, flags) <= this.itemSizeMax) return;
    if (dropOld && this.items.lookup(key) !== undefined) this.items.unlink(key);
    throw new MemcacheServerError('object too large for cache');
  }

  private count<R>(counter: keyof StoreStats, reply: R): R {
    this.counters[counter]++;
    return reply;
  }
}

function hitOf(key: string, item: Item): StoreHit {
  return { key, value: Uint8Array.from(item.value), flags: item.flags, cas: item.cas };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
