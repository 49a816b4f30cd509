import * as wire from '../commands/definitions.js';
import type { StatValue } from '../commands/readers.js';
import { statsObject } from '../commands/stats.js';
import { MemcacheError, MemcacheIllegalInputError, MemcacheSerdeError, MemcacheUnexpectedCloseError } from '../errors.js';
import { describeKey } from '../protocol/keys.js';
import { rawLine } from '../protocol/raw-line.js';
import type { ValueFrame } from '../protocol/frames.js';
import type { Key } from '../protocol/keys.js';
import { checkCasToken, checkCount, checkDelta, checkExpire, checkFlags, checkFlushDelay, ITEM_OVERHEAD } from '../protocol/numbers.js';
import type { DefaultValue } from '../serde/default.js';
import type { Serialized } from '../serde/types.js';
import { ClientCore } from './client-core.js';
import { Command, rejected, settled } from './command.js';

/** Options of storage commands. */
export interface StoreOptions {
  /** Seconds until expiry (0 = never; above 30 days it is a Unix time). Default 0. */
  readonly expire?: number;
  /** Don't wait for the server's answer. Default: the client's `defaultNoreply` (false for `cas`). */
  readonly noreply?: boolean;
  /** Client flags stored with the value; overrides the serde's. */
  readonly flags?: number;
}

/** Options of commands whose only option is noreply. */
export interface NoreplyOption {
  readonly noreply?: boolean;
}

/** A value with its cas token, as `gets`/`gats` return it. */
export interface CasResult<T, C = string> {
  readonly value: T;
  /** The cas unique: decimal digits, passed back to `cas()`. */
  readonly cas: string | C;
}

type StoreVerb = 'set' | 'add' | 'replace' | 'append' | 'prepend';

/**
 * A memcached client for one server over one pipelined connection. Every command is a cold Observable
 * that can also be awaited; nothing is sent until then. See `ClientOptions` for the options.
 *
 * @example
 * ```ts
 * const client = new Client('localhost:11211');
 * await client.set('greeting', 'hello', { expire: 60 });
 * console.log(await client.get('greeting')); // 'hello'
 * await client.close();
 * ```
 */
export class Client<V = DefaultValue> extends ClientCore<V> {
  /** Stores the value. Resolves true when stored (always true with noreply). */
  set(key: Key, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.storeCommand('set', key, value, options);
  }

  /** Stores only if the key is absent; false when it exists. */
  add(key: Key, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.storeCommand('add', key, value, options);
  }

  /** Stores only if the key exists; false when it is missing. */
  replace(key: Key, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.storeCommand('replace', key, value, options);
  }

  /** Appends the serialized bytes to the existing value; false when the key is missing. */
  append(key: Key, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.storeCommand('append', key, value, options);
  }

  /** Prepends the serialized bytes to the existing value; false when the key is missing. */
  prepend(key: Key, value: V, options: StoreOptions = {}): Command<boolean> {
    return this.storeCommand('prepend', key, value, options);
  }

  /**
   * Stores only if nobody changed the item since `gets` returned `cas`: true stored, false changed by
   * someone else (EXISTS), null gone (NOT_FOUND). noreply defaults to false.
   */
  cas(key: Key, value: V, cas: string | bigint, options: StoreOptions = {}): Command<boolean | null> {
    return this.run(
      () => wire.store('cas', this.item(key, value, options), checkExpire(options.expire), options.noreply ?? false, checkCasToken(cas)),
      { finish: (r) => r },
    );
  }

  /** Stores many values in one pipelined write. Resolves to the keys that were not stored. */
  setMany<K extends Key>(values: Iterable<readonly [K, V]> | ReadonlyMap<K, V>, options: StoreOptions = {}): Command<K[]> {
    try {
      return this.prepareSetMany(values, options);
    } catch (error) {
      return rejected(error);
    }
  }

  /**
   * `setMany` with every entry serialized and checked now: a bad entry throws `MemcacheIllegalInputError`
   * here instead of failing the command, so a caller can check several batches before sending any
   * (HashClient does, one batch per server).
   *
   * @example
   * ```ts
   * const batch = client.prepareSetMany([['a', 'x'], ['b', 'y']]); // throws if any value is refused
   * const unstored = await batch;
   * ```
   */
  prepareSetMany<K extends Key>(values: Iterable<readonly [K, V]> | ReadonlyMap<K, V>, options: StoreOptions = {}): Command<K[]> {
    const entries = [...values];
    if (entries.length === 0) return settled([]);
    const request = wire.storeMany(entries.map(([k, v]) => this.item(k, v, options)), checkExpire(options.expire), this.noreply(options));
    return this.run(() => request, { finish: (failed) => failed.map((i) => (entries[i] as readonly [K, V])[0]) });
  }

  /** The value, or `defaultValue` (undefined unless given) on a miss. */
  get(key: Key): Command<V | undefined>;
  get<D>(key: Key, defaultValue: D): Command<V | D>;
  get<D>(key: Key, defaultValue?: D): Command<V | D | undefined> {
    return this.single('get', key, undefined, (f) => (f === undefined ? defaultValue : this.decode(key, f)));
  }

  /** Fetches and touches: the value with its expiry reset to `expire`, or `defaultValue`. */
  gat(key: Key, expire: number): Command<V | undefined>;
  gat<D>(key: Key, expire: number, defaultValue: D): Command<V | D>;
  gat<D>(key: Key, expire: number, defaultValue?: D): Command<V | D | undefined> {
    return this.single('gat', key, expire, (f) => (f === undefined ? defaultValue : this.decode(key, f)));
  }

  /** The value and its cas token, or `{ value: defaultValue, cas: casDefault }` on a miss. */
  gets<D = undefined, C = undefined>(key: Key, defaultValue?: D, casDefault?: C): Command<CasResult<V | D, C>> {
    return this.single('gets', key, undefined, (f) => this.withCas(key, f, defaultValue as D, casDefault as C));
  }

  /** `gets` that also resets the expiry to `expire`. */
  gats<D = undefined, C = undefined>(key: Key, expire: number, defaultValue?: D, casDefault?: C): Command<CasResult<V | D, C>> {
    return this.single('gats', key, expire, (f) => this.withCas(key, f, defaultValue as D, casDefault as C));
  }

  /** The hits among `keys`, keyed by the caller's keys (no prefix). No I/O for an empty list. */
  getMany<K extends Key>(keys: Iterable<K>): Command<Map<K, V>> {
    return this.many('get', keys, (key, frame) => this.decode(key, frame));
  }

  /** Like `getMany`, with each hit's cas token. */
  getsMany<K extends Key>(keys: Iterable<K>): Command<Map<K, CasResult<V, never>>> {
    return this.many('gets', keys, (key, frame) => ({ value: this.decode(key, frame), cas: frame.cas ?? '' }));
  }

  /** Deletes the key: true if it existed (always true with noreply). */
  delete(key: Key, options: NoreplyOption = {}): Command<boolean> {
    return this.run(() => wire.remove(this.key(key), this.noreply(options)), { finish: (r) => r });
  }

  /** Deletes many keys in one pipelined write. Resolves true once the server processed them. */
  deleteMany(keys: Iterable<Key>, options: NoreplyOption = {}): Command<boolean> {
    const list = [...keys];
    if (list.length === 0) return settled(true);
    return this.run(() => wire.removeMany(list.map((k) => this.key(k)), this.noreply(options)), { finish: () => true });
  }

  /** Adds `delta` to a decimal counter: the new value (exact over 64 bits, wraps at 2^64), null if missing. */
  incr(key: Key, delta: number | bigint, options: NoreplyOption = {}): Command<bigint | null> {
    return this.run(() => wire.arithmetic('incr', this.key(key), checkDelta(delta), options.noreply ?? false), { finish: (r) => r });
  }

  /** Subtracts `delta` (stopping at 0): the new value, null if missing. */
  decr(key: Key, delta: number | bigint, options: NoreplyOption = {}): Command<bigint | null> {
    return this.run(() => wire.arithmetic('decr', this.key(key), checkDelta(delta), options.noreply ?? false), { finish: (r) => r });
  }

  /** Resets the expiry: true if the key exists (always true with noreply). */
  touch(key: Key, expire = 0, options: NoreplyOption = {}): Command<boolean> {
    return this.run(() => wire.touch(this.key(key), checkExpire(expire), this.noreply(options)), { finish: (r) => r });
  }

  /** Server statistics (`stats`, `stats settings`, `stats slabs`, `stats items`, …), values converted. */
  stats(...args: string[]): Command<Record<string, StatValue>> {
    return this.run(() => wire.stats(args.map((a) => this.word(a))), { finish: statsObject, miss: () => ({}) });
  }

  /** Sets the server's memory limit in megabytes. */
  cacheMemlimit(megabytes: number): Command<boolean> {
    return this.run(() => wire.cacheMemlimit(checkCount(megabytes, 'memlimit')), { finish: (r) => r });
  }

  /** The server's version string, e.g. `1.6.18`. */
  version(): Command<string> {
    return this.run(() => wire.version(), { finish: (r) => r });
  }

  /** Invalidates every item, now or after `delay` seconds. */
  flushAll(delay = 0, options: NoreplyOption = {}): Command<boolean> {
    return this.run(() => wire.flushAll(checkFlushDelay(delay), this.noreply(options)), { finish: (r) => r });
  }

  /** Closes the current connection after what is in flight (sending `quit`); the next command reconnects. */
  quit(): Command<void> {
    return new Command<void>((subscriber) => {
      this.retireConnection().then(() => {
        subscriber.next();
        subscriber.complete();
      }, (error: unknown) => subscriber.error(error));
    });
  }

  /** Asks the server to exit (needs `memcached -A`); resolves when it drops the connection. */
  shutdown(graceful = false): Command<void> {
    const request = this.run(() => wire.shutdown(graceful), { finish: () => undefined });
    return new Command<void>((subscriber) =>
      request.subscribe({
        next: () => subscriber.next(),
        // Success looks like the server hanging up on us.
        error: (error: unknown) => {
          if (!(error instanceof MemcacheUnexpectedCloseError)) subscriber.error(error);
          else {
            subscriber.next();
            subscriber.complete();
          }
        },
        complete: () => subscriber.complete(),
      }),
    );
  }

  /**
   * Sends one raw command line (without its CRLF, which is added); resolves with the reply bytes up to
   * (not including) `endTokens`. A line containing CR or LF is refused: the server would read it as
   * several commands, and their replies would go to the commands after this one. Strings are sent as
   * latin1 (one byte per char), or as UTF-8 with `allowUnicodeKeys`.
   */
  rawCommand(command: string | Uint8Array, endTokens: string | Uint8Array = '\r\n'): Command<Buffer> {
    return this.run(() => wire.raw(rawLine(command, this.opts.allowUnicodeKeys), Buffer.from(endTokens)), { finish: (r) => r });
  }

  private storeCommand(verb: StoreVerb, key: Key, value: V, options: StoreOptions): Command<boolean> {
    return this.run(() => wire.store(verb, this.item(key, value, options), checkExpire(options.expire), this.noreply(options)), {
      finish: (r) => r === true,
    });
  }

  private item(key: Key, value: V, options: StoreOptions): wire.Stored {
    const wireKey = this.key(key);
    let serialized: Serialized;
    try {
      serialized = this.serde.serialize(key, value);
    } catch (cause) {
      if (cause instanceof MemcacheError) throw cause;
      throw new MemcacheIllegalInputError(`the serde could not serialize the value for key ${describeKey(key)}`, { cause });
    }
    // memcached refuses an item over its size limit *and drops the item already stored under the key*;
    // with noreply it does not even say so. The limit counts the key and a fixed overhead too.
    const room = this.opts.maxValueSize - wireKey.length - ITEM_OVERHEAD;
    if (serialized.value.length > room) {
      throw new MemcacheIllegalInputError(
        `value for key ${describeKey(key)} is ${serialized.value.length} bytes; with the key (${wireKey.length} bytes) and ` +
          `memcached's ${ITEM_OVERHEAD}-byte item overhead that is over maxValueSize (${this.opts.maxValueSize}), so at most ${Math.max(room, 0)} bytes fit`,
      );
    }
    return { key: wireKey, data: serialized.value, flags: checkFlags(options.flags ?? serialized.flags) };
  }

  private noreply(options: NoreplyOption): boolean {
    return options.noreply ?? this.opts.defaultNoreply;
  }

  private decode(key: Key, frame: ValueFrame): V {
    try {
      return this.serde.deserialize(key, frame.value, frame.flags);
    } catch (cause) {
      if (cause instanceof MemcacheError) throw cause;
      throw new MemcacheSerdeError(`the serde could not read ${describeKey(key)} (flags ${frame.flags})`, { cause });
    }
  }

  private withCas<D, C>(key: Key, frame: ValueFrame | undefined, defaultValue: D, casDefault: C): CasResult<V | D, C> {
    return frame === undefined ? { value: defaultValue, cas: casDefault } : { value: this.decode(key, frame), cas: frame.cas ?? '' };
  }

  private single<T>(verb: 'get' | 'gets' | 'gat' | 'gats', key: Key, expire: number | undefined, finish: (f: ValueFrame | undefined) => T) {
    return this.run(() => wire.retrieve(verb, [this.key(key)], expire === undefined ? undefined : checkExpire(expire)), {
      finish: (frames) => finish(frames[0]),
      miss: () => finish(undefined),
    });
  }

  private many<K extends Key, T>(verb: 'get' | 'gets', keys: Iterable<K>, decode: (key: K, frame: ValueFrame) => T): Command<Map<K, T>> {
    const byWire = new Map<string, K>();
    try {
      for (const key of keys) byWire.set(this.key(key), key);
    } catch (error) {
      return rejected(error);
    }
    if (byWire.size === 0) return settled(new Map());
    return this.run(() => wire.retrieve(verb, [...byWire.keys()]), {
      finish: (frames) => {
        const out = new Map<K, T>();
        for (const frame of frames) {
          const key = byWire.get(frame.key) as K;
          try {
            out.set(key, decode(key, frame));
          } catch (error) {
            // With ignoreExc an unreadable item is a miss for its key alone, not for the whole batch.
            if (!this.opts.ignoreExc) throw error;
          }
        }
        return out;
      },
      miss: () => new Map(),
    });
  }
}
