import { EventEmitter } from 'node:events';
import { asyncScheduler, forkJoin, type SchedulerLike } from 'rxjs';
import { Client } from '../client/client.js';
import type { MemcacheClient } from '../client/memcache-client.js';
import { HashClient } from '../cluster/hash-client.js';
import { keyvExpires } from './envelope.js';
import { exptimeFor } from './expiry.js';
import { GenerationalIo } from './generational.js';

/**
 * Options of `MemcacheKeyvStore`.
 *
 * @example
 * ```ts
 * const store = new MemcacheKeyvStore(client, { throwOnErrors: true });
 * ```
 */
export interface MemcacheKeyvStoreOptions {
  /** The namespace to start with; Keyv sets its own (default `'keyv'`) on the store it is given. */
  readonly namespace?: string;
  /**
   * Reject as well as emit: by default a failed command emits `'error'` and resolves as a no-op
   * (`undefined`, `false`, a miss), as Keyv's own adapters do, so a cache outage cannot fail a request.
   */
  readonly throwOnErrors?: boolean;
  /** The clock for TTLs past 30 days (sent as a Unix time) and for `has()`. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * One entry of `setMany`, as Keyv passes it: TTL in milliseconds.
 *
 * @example
 * ```ts
 * await store.setMany([{ key: 'keyv:a', value: '{"value":1}', ttl: 500 }]);
 * ```
 */
export interface MemcacheKeyvEntry {
  readonly key: string;
  readonly value: unknown;
  readonly ttl?: number | undefined;
}

/**
 * `store.opts`, as Keyv reads it. A plain object: `@keyv/test-suite` assigns fields on it.
 *
 * @example
 * ```ts
 * store.opts.throwOnErrors = true; // from now on, failed commands also reject
 * ```
 */
export interface MemcacheKeyvStoreOpts {
  dialect: 'memcache';
  namespace: string | undefined;
  throwOnErrors: boolean;
  [field: string]: unknown;
}

/**
 * A Keyv 5 storage adapter over any rxmemcache client (`Client`, `PooledClient`, `HashClient`, the
 * wrappers, `MockMemcacheClient`): `new Keyv({ store: new MemcacheKeyvStore(client) })`.
 *
 * - TTLs (ms) become memcached seconds rounded up, never 0 ("forever"); past 30 days a Unix time.
 * - `getMany`, `setMany`, `deleteMany`, `hasMany` take one round trip (after the first command of a
 *   namespace, which reads its generation token).
 * - `clear()` clears only the store's namespace, in O(1): it stores a new generation token, and every
 *   key of the namespace starts with the token. Each command reads the token in the same round trip
 *   as its values, so a clear by any process is seen by every other one on its next command.
 * - Keys memcached cannot take as they are (over 250 bytes, spaces, control or non-ASCII characters)
 *   are stored under a SHA-256 hash.
 *
 * Values are what Keyv hands over (a string, with its default serializer) and go through the
 * client's serde, which must also store strings (the token is one): the default and JSON serdes do.
 *
 * A store given a client does not own it: `disconnect()` leaves it open. A store given server
 * addresses creates its client (`Client` for one, `HashClient` for a list) and closes it on `disconnect()`.
 *
 * @example
 * ```ts
 * const keyv = new Keyv({ store: new MemcacheKeyvStore(new Client('localhost:11211')), namespace: 'users' });
 * await keyv.set('u1', { name: 'Ada' }, 60_000);
 * ```
 */
export class MemcacheKeyvStore extends EventEmitter {
  /** The client commands go through. */
  readonly client: MemcacheClient<unknown>;
  /** The options, as Keyv expects to find them. */
  readonly opts: MemcacheKeyvStoreOpts;
  private readonly owned: boolean;
  private readonly io: GenerationalIo;
  private readonly scheduler: SchedulerLike;

  constructor(client: MemcacheClient<unknown> | string | readonly string[], options: MemcacheKeyvStoreOptions = {}) {
    super();
    this.owned = typeof client === 'string' || isList(client);
    this.client = typeof client === 'string' ? new Client(client) : isList(client) ? new HashClient(client) : client;
    this.opts = { dialect: 'memcache', namespace: options.namespace, throwOnErrors: options.throwOnErrors ?? false };
    this.io = new GenerationalIo(this.client);
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  /** Set by Keyv (its `namespace` option, default `'keyv'`); `clear()` clears this namespace only. */
  get namespace(): string | undefined {
    return this.opts.namespace;
  }

  set namespace(namespace: string | undefined) {
    this.opts.namespace = namespace;
  }

  /** The stored value, or undefined. `Value` is what the caller stored (Keyv: its serialized entry). */
  get<Value = unknown>(key: string): Promise<Value | undefined> {
    return this.guard(undefined, async () => (await this.io.read(this.namespace, [key]))[0] as Value | undefined);
  }

  /** The stored values, undefined where missing, in one round trip. */
  getMany<Value = unknown>(keys: string[]): Promise<Array<Value | undefined>> {
    return this.guard(keys.map(() => undefined), async () => (await this.io.read(this.namespace, keys)) as Array<Value | undefined>);
  }

  /** Whether the key holds a value that has not expired. */
  has(key: string): Promise<boolean> {
    return this.guard(false, async () => (await this.present([key]))[0] === true);
  }

  /** `has` for many keys, in one round trip. */
  hasMany(keys: string[]): Promise<boolean[]> {
    return this.guard(keys.map(() => false), () => this.present(keys));
  }

  /** Stores the value; `ttl` in milliseconds (none: no expiry). Resolves true when stored. */
  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.guard(false, () => {
      const expire = exptimeFor(ttl, this.scheduler.now());
      return this.io.write(this.namespace, (keyOf) => this.client.set(keyOf(key), value, { expire, noreply: false }));
    });
  }

  /**
   * Stores every entry in one round trip. Resolves with nothing, as Keyv 5's adapter type says (and
   * as its own adapters do): a failure is an error, since memcached's `set` is never NOT_STORED.
   */
  setMany(entries: MemcacheKeyvEntry[]): Promise<void> {
    return this.guard(undefined, async () => {
      if (entries.length === 0) return;
      const now = this.scheduler.now();
      const expires = entries.map((e) => exptimeFor(e.ttl, now));
      await this.io.write(this.namespace, (keyOf) => {
        // One setMany per distinct TTL (usually one), all sent together.
        const batches = [...new Set(expires)].map((expire) => {
          const pairs = entries.flatMap((e, i) => (expires[i] === expire ? [[keyOf(e.key), e.value] as const] : []));
          return this.client.setMany(pairs, { expire, noreply: false });
        });
        return forkJoin(batches);
      });
    });
  }

  /** Deletes the key: true if it held a value. */
  delete(key: string): Promise<boolean> {
    return this.guard(false, () => this.io.write(this.namespace, (keyOf) => this.client.delete(keyOf(key), { noreply: false })));
  }

  /** Deletes the keys in one round trip: true if any of them held a value. */
  deleteMany(keys: string[]): Promise<boolean> {
    return this.guard(false, async () => {
      if (keys.length === 0) return false;
      // Separate deletes (sent in one write per server) say which keys existed; deleteMany would not.
      const deleted = await this.io.write(this.namespace, (keyOf) => forkJoin(keys.map((k) => this.client.delete(keyOf(k), { noreply: false }))));
      return deleted.some(Boolean);
    });
  }

  /** Clears this store's namespace (and nothing else) in O(1): a new generation token. */
  clear(): Promise<void> {
    return this.guard(undefined, () => this.io.clear(this.namespace));
  }

  /** Closes the client if this store created it; a client passed in stays open. */
  async disconnect(): Promise<void> {
    if (this.owned) await this.client.close();
  }

  /** Keyv calls `has` without checking `expires` itself, so the store does. */
  private async present(keys: readonly string[]): Promise<boolean[]> {
    const now = this.scheduler.now();
    return (await this.io.read(this.namespace, keys)).map((value) => {
      const expires = keyvExpires(value);
      // Keyv's own rule: expired once now is past `expires`.
      return value !== undefined && (expires === undefined || expires >= now);
    });
  }

  /** Keyv's error contract: emit `'error'`, then resolve as a no-op (or reject with `throwOnErrors`). */
  private async guard<T>(fallback: T, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // EventEmitter throws an 'error' nobody listens to; Keyv always listens.
      if (this.listenerCount('error') > 0) this.emit('error', error);
      if (this.opts.throwOnErrors) throw error;
      return fallback;
    }
  }
}

function isList(client: MemcacheClient<unknown> | readonly string[]): client is readonly string[] {
  return Array.isArray(client);
}
