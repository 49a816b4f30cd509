import { COMMANDS } from '../commands/spec.js';
import * as wire from '../commands/definitions.js';
import type { StatValue } from '../commands/readers.js';
import { statsObject } from '../commands/stats.js';
import { storedKey, type RoutedKey } from '../cluster/routed-key.js';
import { mapRequest } from '../executor/call.js';
import { checkCasToken, checkDelta, checkExpire, checkFlushDelay, checkMemlimit } from '../protocol/numbers.js';
import type { DefaultValue } from '../serde/default.js';
import { deleteManyCall, keyCall, readCall, readManyCall, serverCall, storeManyCall } from './calls.js';
import type { NoreplyOption, StoreOptions } from './codec.js';
import { Command, settled } from './command.js';
import { StampedeCommands } from './stampede-commands.js';

/**
 * A hit of `gets`/`gats`: the value and its cas unique (decimal digits, passed back to `cas()`).
 *
 * @example
 * ```ts
 * const { value, cas } = await client.gets('k');
 * if (cas !== undefined) await client.cas('k', `${value}!`, cas);
 * ```
 */
export interface CasResult<T> {
  readonly value: T;
  readonly cas: string;
}

/**
 * What `gets`/`gats` resolve to on a miss: the defaults given (undefined unless given).
 *
 * @example
 * ```ts
 * const result = await client.gets('k', 'none', null); // { value: 'none', cas: null } on a miss
 * ```
 */
export interface CasMiss<D, C> {
  readonly value: D;
  readonly cas: C;
}

/**
 * Options of `rawCommand`.
 *
 * @example
 * ```ts
 * await cluster.rawCommand('mg user:1 v', { key: 'user:1' }); // to user:1's server only
 * ```
 */
export interface RawCommandOptions {
  /** Where the reply ends (not included in it). Default `\r\n`: one line. */
  readonly endTokens?: string | Uint8Array;
  /** Send it only to this key's server (a HashClient sends it to every live server otherwise). */
  readonly key?: RoutedKey;
}

type StoreVerb = 'set' | 'add' | 'replace' | 'append' | 'prepend';

/**
 * What a wrapper client (`RetryingClient`, `FallbackClient`) takes of the client it wraps: its codec and
 * its executor. Typed this way (not as the whole client), the wrapper's value type is read from the
 * client's codec, so `new FallbackClient([new Client(a), new Client(b)])` needs no type arguments.
 *
 * @example
 * ```ts
 * const inner: WrappedClient<string | Uint8Array> = new Client('localhost:11211');
 * ```
 */
export type WrappedClient<V> = Pick<MemcacheClient<V>, 'codec' | 'executor'>;

/**
 * Every memcached command, the same on every client: `Client`, `PooledClient`, `HashClient`,
 * `RetryingClient`, `FallbackClient` and `MockMemcacheClient` all are this surface over some executor.
 * Write code against `MemcacheClient<V>` and any of them fits. Each method validates its input and
 * serializes values when called (bad input fails before any byte is sent) and returns a cold `Command`:
 * nothing is sent until it is subscribed or awaited.
 *
 * Keys are strings or bytes, or `[routingKey, key]` pairs: a HashClient routes the pair by its first
 * part and stores under the second; a single-server client just stores under the second.
 * Commands that concern whole servers (`stats`, `version`, `flushAll`, `cacheMemlimit`, `rawCommand`,
 * `shutdown`) resolve to a `Map` by server name on every client: one entry for a single server.
 *
 * @example
 * ```ts
 * async function remember(cache: MemcacheClient<string>, key: string, compute: () => Promise<string>) {
 *   const hit = await cache.get(key);
 *   if (hit !== undefined) return hit;
 *   const value = await compute();
 *   await cache.set(key, value, { expire: 60 });
 *   return value;
 * }
 * ```
 */
export abstract class MemcacheClient<V = DefaultValue> extends StampedeCommands<V> {

  /** Stores the value. Resolves true when stored (always true with noreply). */
  set(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.store('set', key, value, options);
  }

  /** Stores only if the key is absent; false when it exists. */
  add(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.store('add', key, value, options);
  }

  /** Stores only if the key exists; false when it is missing. */
  replace(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.store('replace', key, value, options);
  }

  /** Appends the serialized bytes to the existing value; false when the key is missing. */
  append(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.store('append', key, value, options);
  }

  /** Prepends the serialized bytes to the existing value; false when the key is missing. */
  prepend(key: RoutedKey, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.store('prepend', key, value, options);
  }

  /**
   * Stores only if nobody changed the item since `gets` returned `cas`: true stored, false changed by
   * someone else (EXISTS), null gone (NOT_FOUND). noreply defaults to false.
   */
  cas(key: RoutedKey, value: V, cas: string | bigint, options: StoreOptions = {}): Command<boolean | null> {
    return this.run((c) => {
      const request = c.wire.cas(c.item(key, value, options), checkExpire(options.expire), options.noreply ?? false, checkCasToken(cas));
      return keyCall(COMMANDS.cas, key, request);
    });
  }

  /**
   * Stores many values in one pipelined write per server. Resolves to the keys that were not stored.
   * Every value is serialized and checked first: one bad value fails the command and nothing is sent.
   */
  setMany<K extends RoutedKey>(values: Iterable<readonly [K, V]> | ReadonlyMap<K, V>, options: StoreOptions = {}): Command<K[]> {
    const entries = [...values];
    if (entries.length === 0) return settled([]);
    return this.run((c) => {
      const items = entries.map(([k, v]) => c.item(k, v, options));
      return storeManyCall(c.wire, COMMANDS.setMany, entries.map(([k]) => k), items, checkExpire(options.expire), c.noreply(options));
    });
  }

  /** The value, or `defaultValue` (undefined unless given) on a miss. */
  get(key: RoutedKey): Command<V | undefined>;
  get<D>(key: RoutedKey, defaultValue: D): Command<V | D>;
  get<D>(key: RoutedKey, defaultValue?: D): Command<V | D | undefined> {
    return this.runOr((c) => readCall(COMMANDS.get, c, key, 'get', undefined, (f) => c.decode(storedKey(key), f)), defaultValue);
  }

  /** Fetches and touches: the value with its expiry reset to `expire`, or `defaultValue`. */
  gat(key: RoutedKey, expire: number): Command<V | undefined>;
  gat<D>(key: RoutedKey, expire: number, defaultValue: D): Command<V | D>;
  gat<D>(key: RoutedKey, expire: number, defaultValue?: D): Command<V | D | undefined> {
    return this.runOr((c) => readCall(COMMANDS.gat, c, key, 'gat', checkExpire(expire), (f) => c.decode(storedKey(key), f)), defaultValue);
  }

  /** The value and its cas token, or `{ value: defaultValue, cas: casDefault }` on a miss. */
  gets<D = undefined, C = undefined>(key: RoutedKey, defaultValue?: D, casDefault?: C): Command<CasResult<V> | CasMiss<D, C>> {
    const miss: CasMiss<D, C> = { value: defaultValue as D, cas: casDefault as C };
    return this.runOr((c) => readCall(COMMANDS.gets, c, key, 'gets', undefined, (f) => ({ value: c.decode(storedKey(key), f), cas: f.cas ?? '' })), miss);
  }

  /** `gets` that also resets the expiry to `expire`. */
  gats<D = undefined, C = undefined>(key: RoutedKey, expire: number, defaultValue?: D, casDefault?: C): Command<CasResult<V> | CasMiss<D, C>> {
    const miss: CasMiss<D, C> = { value: defaultValue as D, cas: casDefault as C };
    return this.runOr((c) => readCall(COMMANDS.gats, c, key, 'gats', checkExpire(expire), (f) => ({ value: c.decode(storedKey(key), f), cas: f.cas ?? '' })), miss);
  }

  /** The hits among `keys`, keyed by the caller's keys (no prefix). No I/O for an empty list. */
  getMany<K extends RoutedKey>(keys: Iterable<K>): Command<Map<K, V>> {
    const list = [...keys];
    if (list.length === 0) return settled(new Map());
    return this.run((c) => readManyCall(COMMANDS.getMany, c, list, 'get', (k, f) => c.decode(storedKey(k), f)));
  }

  /** Like `getMany`, with each hit's cas token. */
  getsMany<K extends RoutedKey>(keys: Iterable<K>): Command<Map<K, CasResult<V>>> {
    const list = [...keys];
    if (list.length === 0) return settled(new Map());
    return this.run((c) => readManyCall(COMMANDS.getsMany, c, list, 'gets', (k, f) => ({ value: c.decode(storedKey(k), f), cas: f.cas ?? '' })));
  }

  /** Deletes the key: true if it existed (always true with noreply). */
  delete(key: RoutedKey, options: NoreplyOption = {}): Command<boolean> {
    return this.run((c) => keyCall(COMMANDS.delete, key, c.wire.remove(c.key(key), c.noreply(options))));
  }

  /** Deletes many keys in one pipelined write per server. Resolves true once the servers processed them. */
  deleteMany(keys: Iterable<RoutedKey>, options: NoreplyOption = {}): Command<boolean> {
    const list = [...keys];
    if (list.length === 0) return settled(true);
    return this.run((c) => deleteManyCall(c.wire, COMMANDS.deleteMany, list, list.map((k) => c.key(k)), c.noreply(options)));
  }

  /** Adds `delta` to a decimal counter: the new value (exact over 64 bits, wraps at 2^64), null if missing. */
  incr(key: RoutedKey, delta: number | bigint, options: NoreplyOption = {}): Command<bigint | null> {
    return this.run((c) => keyCall(COMMANDS.incr, key, c.wire.arithmetic('incr', c.key(key), checkDelta(delta), options.noreply ?? false)));
  }

  /** Subtracts `delta` (stopping at 0): the new value, null if missing. */
  decr(key: RoutedKey, delta: number | bigint, options: NoreplyOption = {}): Command<bigint | null> {
    return this.run((c) => keyCall(COMMANDS.decr, key, c.wire.arithmetic('decr', c.key(key), checkDelta(delta), options.noreply ?? false)));
  }

  /** Resets the expiry: true if the key exists (always true with noreply). */
  touch(key: RoutedKey, expire = 0, options: NoreplyOption = {}): Command<boolean> {
    return this.run((c) => keyCall(COMMANDS.touch, key, c.wire.touch(c.key(key), checkExpire(expire), c.noreply(options))));
  }

  /** Server statistics (`stats`, `stats settings`, `stats slabs`, …), values converted, by server name. */
  stats(...args: string[]): Command<Map<string, Record<string, StatValue>>> {
    return this.runEach((c) => serverCall(COMMANDS.stats, mapRequest(wire.stats(args.map((a) => c.word(a))), statsObject), () => ({})));
  }

  /** Sets the servers' memory limit in megabytes (8 up to 1,000,000,000, as memcached accepts). */
  cacheMemlimit(megabytes: number): Command<Map<string, boolean>> {
    return this.runEach(() => serverCall(COMMANDS.cacheMemlimit, wire.cacheMemlimit(checkMemlimit(megabytes))));
  }

  /** Each server's version string, e.g. `1.6.18`. */
  version(): Command<Map<string, string>> {
    return this.runEach(() => serverCall(COMMANDS.version, wire.version()));
  }

  /** Invalidates every item on every server, now or after `delay` seconds. */
  flushAll(delay = 0, options: NoreplyOption = {}): Command<Map<string, boolean>> {
    return this.runEach((c) => serverCall(COMMANDS.flushAll, wire.flushAll(checkFlushDelay(delay), c.noreply(options))));
  }

  /**
   * Sends one raw command line (without its CRLF, which is added) to every server, or to `key`'s
   * server; resolves with each reply's bytes up to (not including) `endTokens`. A line containing CR or
   * LF is refused: the server would read it as several commands. Strings go as latin1 (one byte per
   * char), or as UTF-8 with `allowUnicodeKeys`.
   */
  rawCommand(command: string | Uint8Array, options: RawCommandOptions = {}): Command<Map<string, Buffer>> {
    return this.runEach((c) => serverCall(COMMANDS.raw, wire.raw(c.line(command), Buffer.from(options.endTokens ?? '\r\n'), c.options.protocol), undefined, options.key));
  }

  /** Asks the servers to exit (needs `memcached -A`); resolves when each has dropped its connection. */
  shutdown(graceful = false): Command<Map<string, boolean>> {
    // Success looks like the server hanging up on us.
    return this.runEach(() => ({ ...serverCall(COMMANDS.shutdown, wire.shutdown(graceful)), hangUp: true }));
  }

  private store(verb: StoreVerb, key: RoutedKey, value: V, options: StoreOptions): Command<boolean> {
    return this.run((c) => {
      return keyCall(COMMANDS[verb], key, c.wire.store(verb, c.item(key, value, options), checkExpire(options.expire), c.noreply(options)));
    });
  }
}


