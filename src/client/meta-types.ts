import type { Key } from '../protocol/keys.js';

/**
 * Options of `metaGet` (`mg`). Seconds are memcached's (0 = never; above 30 days a Unix time).
 *
 * @example
 * ```ts
 * await client.metaGet('k', { ttl: true, noLruBump: true });
 * ```
 */
export interface MetaGetOptions {
  /** Return the value (`v`, with its client flags). Default true; false asks only for what else is named. */
  readonly value?: boolean;
  /** Return the cas unique (`c`). */
  readonly cas?: boolean;
  /** Return the seconds left before expiry (`t`): null when the item never expires. */
  readonly ttl?: boolean;
  /** Return the value's size in bytes (`s`). */
  readonly size?: boolean;
  /** Return the seconds since the item was last accessed (`l`). */
  readonly lastAccess?: boolean;
  /** Return whether the item had been read before this request (`h`). */
  readonly hitBefore?: boolean;
  /** Read without bumping the item in the LRU (`u`). */
  readonly noLruBump?: boolean;
  /** Also reset the expiry, in the same round trip (`T<seconds>`). */
  readonly touch?: number;
  /**
   * On a miss, create an empty placeholder living this many seconds and make this caller the one to fill
   * it (`N<seconds>`; the result says `won`); callers until then get `alreadyWon`.
   */
  readonly vivify?: number;
  /** Make this caller the one to refresh the item when fewer than this many seconds are left (`R<seconds>`). */
  readonly recache?: number;
  /**
   * Send it quiet (`q`): the server answers only hits (and errors); a miss sends nothing. The result is
   * as exact as without, since commands that got no answer resolve once the `mn` that closes their run
   * is answered. For batches, where most answers would say nothing new.
   */
  readonly quiet?: boolean;
}

/**
 * What `metaGet` resolves to. Fields asked for are present on a hit.
 *
 * @example
 * ```ts
 * const { hit, value } = await client.metaGet('k');
 * ```
 */
export interface MetaGetResult<V> {
  /** The key, as given. */
  readonly key: Key;
  /** Whether the item exists (an empty placeholder made by `vivify` is not a hit). */
  readonly hit: boolean;
  readonly value?: V;
  /** The client flags stored with the value. */
  readonly clientFlags?: number;
  readonly cas?: string;
  /** Seconds left; null when the item never expires. */
  readonly ttl?: number | null;
  readonly size?: number;
  readonly lastAccess?: number;
  readonly hitBefore?: boolean;
  /** This caller should compute and store the value (`W`): the item was missing (vivify), stale, or due for recache. */
  readonly won: boolean;
  /** The item is stale (`X`): invalidated, its value kept until someone stores a new one. */
  readonly stale: boolean;
  /** Another caller already won the right to store the value (`Z`). */
  readonly alreadyWon: boolean;
}

/**
 * How `metaSet` stores: set (default), add, replace, append or prepend (`M<mode>`).
 *
 * @example
 * ```ts
 * const mode: MetaSetMode = 'append';
 * ```
 */
export type MetaSetMode = 'set' | 'add' | 'replace' | 'append' | 'prepend';

/**
 * Options of `metaSet` (`ms`).
 *
 * @example
 * ```ts
 * await client.metaSet('k', 'v', { mode: 'add', expire: 60 });
 * ```
 */
export interface MetaSetOptions {
  readonly mode?: MetaSetMode;
  /** Seconds until expiry (`T`); 0 = never. Default 0. */
  readonly expire?: number;
  /** Client flags (`F`); default: the serde's. */
  readonly flags?: number;
  /** Store only if the item's cas unique is still this (`C`). */
  readonly cas?: string | bigint;
  /**
   * With `cas`: store even when the cas no longer matches, but keep the item marked stale (`I`), so a late
   * writer cannot pass for fresh.
   */
  readonly invalidate?: boolean;
  /** Return the new cas unique (`c`). */
  readonly returnCas?: boolean;
  /**
   * Send it quiet (`q`): the server answers only when the value was not stored (or with an error). The
   * result is as exact as without, since commands that got no answer resolve once the `mn` that closes
   * their run is answered: a noreply write that still tells the truth.
   */
  readonly quiet?: boolean;
}

/**
 * What `metaSet` resolves to.
 *
 * @example
 * ```ts
 * const { stored } = await client.metaSet('k', 'v');
 * ```
 */
export interface MetaSetResult {
  /** `stored`, or why not: `not-stored` (add of an existing key, replace/append of a missing one), `exists` (cas mismatch), `not-found` (cas of a missing key). */
  readonly status: 'stored' | 'not-stored' | 'exists' | 'not-found';
  readonly stored: boolean;
  readonly cas?: string;
}

/**
 * Options of `metaDelete` (`md`).
 *
 * @example
 * ```ts
 * await client.metaDelete('k', { invalidate: true, expire: 30 });
 * ```
 */
export interface MetaDeleteOptions {
  /** Delete only if the item's cas unique is still this (`C`). */
  readonly cas?: string | bigint;
  /** Mark the item stale instead of removing it (`I`): the next `metaGet` gets it with `stale` and `won`. */
  readonly invalidate?: boolean;
  /** With `invalidate`: the stale item's new expiry in seconds (`T`). */
  readonly expire?: number;
  /**
   * Send it quiet (`q`): the server answers only when nothing was deleted (or with an error). The
   * result is as exact as without, since commands that got no answer resolve once the `mn` that closes
   * their run is answered: a noreply write that still tells the truth.
   */
  readonly quiet?: boolean;
}

/**
 * What `metaDelete` resolves to.
 *
 * @example
 * ```ts
 * const { deleted } = await client.metaDelete('k');
 * ```
 */
export interface MetaDeleteResult {
  readonly status: 'deleted' | 'not-found' | 'exists';
  readonly deleted: boolean;
}

/**
 * Options of `metaArithmetic` (`ma`).
 *
 * @example
 * ```ts
 * await client.metaArithmetic('hits', { vivify: 3600 });
 * ```
 */
export interface MetaArithmeticOptions {
  /** Default `incr`. */
  readonly mode?: 'incr' | 'decr';
  /** Default 1. */
  readonly delta?: number | bigint;
  /** On a miss, create the counter with `initial`, living this many seconds (`N`). */
  readonly vivify?: number;
  /** The value a counter is created with (`J`). Default 0. */
  readonly initial?: number | bigint;
  /** Also set the expiry, in seconds (`T`). */
  readonly expire?: number;
  /** Apply only if the item's cas unique is still this (`C`). */
  readonly cas?: string | bigint;
  /** Return the seconds left (`t`) and the cas unique (`c`). */
  readonly ttl?: boolean;
  readonly returnCas?: boolean;
}

/**
 * What `metaArithmetic` resolves to.
 *
 * @example
 * ```ts
 * const { value } = await client.metaArithmetic('hits');
 * ```
 */
export interface MetaArithmeticResult {
  readonly status: 'ok' | 'not-found' | 'not-stored' | 'exists';
  /** The new value (exact, 64-bit) when `ok`. */
  readonly value?: bigint;
  readonly ttl?: number | null;
  readonly cas?: string;
}
