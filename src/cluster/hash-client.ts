import type { CasResult, NoreplyOption, StoreOptions } from '../client/client.js';
import { map } from 'rxjs';
import { Command } from '../client/command.js';
import type { StatValue } from '../commands/readers.js';
import type { DefaultValue } from '../serde/default.js';
import { HashClientCore } from './hash-client-core.js';
import { split, type RoutedKey } from './routed-key.js';
import type { Answered } from './router.js';
import { isReadable, readable, readableCas, type Unreadable } from './unreadable.js';

/**
 * Spreads keys over many memcached servers, with every command of `Client` (same names, same results).
 * Each key is routed by the ring (rendezvous hashing like pymemcache by default, or ketama like
 * libmemcached/twemproxy); the ring is derived from each server's health and follows membership.
 * Multi-key commands run on all involved servers in parallel. `stats`, `version`, `flushAll`,
 * `cacheMemlimit` go to every live server and resolve to a map by server name.
 *
 * @example
 * ```ts
 * const cluster = new HashClient(['127.0.0.1:11211', '127.0.0.1:11212']);
 * await cluster.set('some_key', 'some value');
 * cluster.health$.subscribe((all) => console.log([...all].map(([name, h]) => `${name}: ${h.state}`)));
 * ```
 */
export class HashClient<V = DefaultValue> extends HashClientCore<V> {
  /** Stores the value on the key's server; true when stored. */
  set(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.set(k, value, options));
  }

  /** Stores only if absent. */
  add(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.add(k, value, options));
  }

  /** Stores only if present. */
  replace(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.replace(k, value, options));
  }

  /** Appends to the existing value. */
  append(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.append(k, value, options));
  }

  /** Prepends to the existing value. */
  prepend(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.prepend(k, value, options));
  }

  /** Check-and-set: true stored, false changed by someone else, null gone. */
  cas(key: RoutedKey, value: V, cas: string | bigint, options: StoreOptions = {}): Command<boolean | null> {
    return this.route.one(key, (c, k) => c.cas(k, value, cas, options));
  }

  /** The value, or `defaultValue` on a miss (and, with ignoreExc, when its server is unreachable). */
  get(key: RoutedKey): Command<V | undefined>;
  get<D>(key: RoutedKey, defaultValue: D): Command<V | D>;
  get<D>(key: RoutedKey, defaultValue?: D): Command<V | D | undefined> {
    const miss = (): D | undefined => defaultValue;
    return this.route.one<V | D | undefined>(key, (c, k) => c.get(k, defaultValue).pipe(map((v) => readable(v, miss))), miss);
  }

  /** Fetch and touch. */
  gat(key: RoutedKey, expire: number): Command<V | undefined>;
  gat<D>(key: RoutedKey, expire: number, defaultValue: D): Command<V | D>;
  gat<D>(key: RoutedKey, expire: number, defaultValue?: D): Command<V | D | undefined> {
    const miss = (): D | undefined => defaultValue;
    return this.route.one<V | D | undefined>(key, (c, k) => c.gat(k, expire, defaultValue).pipe(map((v) => readable(v, miss))), miss);
  }

  /** The value and its cas token, or the defaults. */
  gets<D = undefined, C = undefined>(key: RoutedKey, defaultValue?: D, casDefault?: C): Command<CasResult<V | D, C>> {
    const miss = (): CasResult<V | D, C> => ({ value: defaultValue as D, cas: casDefault as C });
    return this.route.one(key, (c, k) => c.gets(k, defaultValue, casDefault).pipe(map((r) => readableCas(r, miss))), miss);
  }

  /** `gets` that also resets the expiry. */
  gats<D = undefined, C = undefined>(key: RoutedKey, expire: number, defaultValue?: D, casDefault?: C): Command<CasResult<V | D, C>> {
    const miss = (): CasResult<V | D, C> => ({ value: defaultValue as D, cas: casDefault as C });
    return this.route.one(key, (c, k) => c.gats(k, expire, defaultValue, casDefault).pipe(map((r) => readableCas(r, miss))), miss);
  }

  /** The hits, keyed by the caller's keys; servers are asked in parallel. */
  getMany<K extends RoutedKey>(keys: Iterable<K>): Command<Map<K, V>> {
    return this.route.many([...keys], (c, ks) => c.getMany(ks), (answered) => remap(answered, isReadable<V>), true);
  }

  /** `getMany` with cas tokens. */
  getsMany<K extends RoutedKey>(keys: Iterable<K>): Command<Map<K, CasResult<V, never>>> {
    const read = (r: CasResult<V | Unreadable, never>): r is CasResult<V, never> => isReadable(r.value);
    return this.route.many([...keys], (c, ks) => c.getsMany(ks), (answered) => remap(answered, read), true);
  }

  /**
   * Stores many values, in parallel per server; resolves to the keys not stored. Every value is
   * serialized and checked before any server is sent anything: one bad value fails the whole command
   * with `MemcacheIllegalInputError` and nothing is written.
   */
  setMany<K extends RoutedKey>(values: Iterable<readonly [K, V]> | ReadonlyMap<K, V>, options: StoreOptions = {}): Command<K[]> {
    const entries = new Map<K, V>([...values]);
    return this.route.many(
      [...entries.keys()],
      // Each server reports its unstored keys by their stored form; report the caller's keys instead.
      (c, stored, callers) => {
        const back = new Map(stored.map((s, i) => [s, callers[i] as K]));
        const batch = c.prepareSetMany(stored.map((s, i) => [s, entries.get(callers[i] as K) as V] as const), options);
        return batch.pipe(map((failed) => failed.map((s) => back.get(s) as K)));
      },
      (answered) => answered.flatMap((a) => a.result),
      false,
    );
  }

  /** Deletes the key on its server. */
  delete(key: RoutedKey, options: NoreplyOption = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.delete(k, options));
  }

  /** Deletes many keys, in parallel per server. A share that was not carried out fails the command, ignoreExc or not. */
  deleteMany<K extends RoutedKey>(keys: Iterable<K>, options: NoreplyOption = {}): Command<boolean> {
    return this.route.many([...keys], (c, ks) => c.deleteMany(ks, options), () => true, false);
  }

  /** Adds to a counter on the key's server. */
  incr(key: RoutedKey, delta: number | bigint, options: NoreplyOption = {}): Command<bigint | null> {
    return this.route.one(key, (c, k) => c.incr(k, delta, options));
  }

  /** Subtracts from a counter on the key's server. */
  decr(key: RoutedKey, delta: number | bigint, options: NoreplyOption = {}): Command<bigint | null> {
    return this.route.one(key, (c, k) => c.decr(k, delta, options));
  }

  /** Resets the expiry of the key. */
  touch(key: RoutedKey, expire = 0, options: NoreplyOption = {}): Command<boolean> {
    return this.route.one(key, (c, k) => c.touch(k, expire, options));
  }

  /** Statistics of every live server, by server name. */
  stats(...args: string[]): Command<Map<string, Record<string, StatValue>>> {
    return this.route.everyServer((c) => c.stats(...args), true);
  }

  /** Sets every live server's memory limit. */
  cacheMemlimit(megabytes: number): Command<Map<string, boolean>> {
    return this.route.everyServer((c) => c.cacheMemlimit(megabytes), false);
  }

  /** Every live server's version, by server name. */
  version(): Command<Map<string, string>> {
    return this.route.everyServer((c) => c.version(), false);
  }

  /** Flushes every live server. */
  flushAll(delay = 0, options: NoreplyOption = {}): Command<Map<string, boolean>> {
    return this.route.everyServer((c) => c.flushAll(delay, options), false);
  }

  /** Closes every live server's connection after what is in flight; the next commands reconnect. */
  quit(): Command<void> {
    return new Command<void>((sink) =>
      this.route.everyServer((c) => c.quit(), false).subscribe({ next: () => sink.next(), error: (e: unknown) => sink.error(e), complete: () => sink.complete() }),
    );
  }

  /** Asks every live server to shut down (needs `memcached -A`). */
  shutdown(graceful = false): Command<void> {
    return new Command<void>((sink) =>
      this.route.everyServer((c) => c.shutdown(graceful), false).subscribe({ next: () => sink.next(), error: (e: unknown) => sink.error(e), complete: () => sink.complete() }),
    );
  }

  /** A raw command line sent to the server that owns `key`. */
  rawCommand(key: RoutedKey, command: string | Uint8Array, endTokens: string | Uint8Array = '\r\n'): Command<Buffer> {
    return this.route.one(key, (c) => c.rawCommand(command, endTokens));
  }
}

/**
 * Maps each server's results (keyed by stored keys) back to the caller's keys (plain or routed pairs),
 * leaving out items that could not be read (under ignoreExc they are misses).
 */
function remap<K extends RoutedKey, X, T extends X>(answered: Answered<K, Map<unknown, X>>, read: (value: X) => value is T): Map<K, T> {
  const out = new Map<K, T>();
  for (const { keys, result } of answered) {
    for (const key of keys) {
      const stored = split(key)[1];
      if (!result.has(stored)) continue;
      const value = result.get(stored) as X;
      if (read(value)) out.set(key, value);
    }
  }
  return out;
}
