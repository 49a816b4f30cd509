/**
 * The `stats` counters the in-memory store keeps, named as memcached 1.6.18's `stats` reply names them.
 * Each counts what the server counts (checked against a real server by the differential test), except
 * `curr_items`, which counts live items only: the server also counts expired and flushed items until it
 * happens to reclaim them, which depends on its LRU crawler's timing.
 *
 * @example
 * ```ts
 * const { get_hits, get_misses } = mock.memory.stats();
 * ```
 */
export interface StoreStats {
  /** Live items now. */
  curr_items: number;
  /** Items ever stored (each successful store, and each incr/decr that had to make a new item). */
  total_items: number;
  /** Keys looked up by get/gets (gat/gats count as touches). */
  cmd_get: number;
  /** Storage commands (set/add/replace/append/prepend/cas) whose value was accepted for size. */
  cmd_set: number;
  /** flush_all commands. */
  cmd_flush: number;
  /** touch commands and keys looked up by gat/gats. */
  cmd_touch: number;
  get_hits: number;
  get_misses: number;
  /** Lookups that found an item past its exptime. */
  get_expired: number;
  /** Lookups that found an item invalidated by flush_all. */
  get_flushed: number;
  delete_hits: number;
  delete_misses: number;
  incr_hits: number;
  incr_misses: number;
  decr_hits: number;
  decr_misses: number;
  cas_hits: number;
  cas_misses: number;
  /** cas commands whose unique no longer matched. */
  cas_badval: number;
  touch_hits: number;
  touch_misses: number;
}

/** All counters at zero, as a freshly started server reports them. */
export function emptyStats(): StoreStats {
  return {
    curr_items: 0, total_items: 0, cmd_get: 0, cmd_set: 0, cmd_flush: 0, cmd_touch: 0,
    get_hits: 0, get_misses: 0, get_expired: 0, get_flushed: 0, delete_hits: 0, delete_misses: 0,
    incr_hits: 0, incr_misses: 0, decr_hits: 0, decr_misses: 0,
    cas_hits: 0, cas_misses: 0, cas_badval: 0, touch_hits: 0, touch_misses: 0,
  };
}
