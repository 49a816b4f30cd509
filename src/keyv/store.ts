import { EventEmitter } from 'node:events';
import { asyncScheduler, firstValueFrom, forkJoin, map, type Observable, type SchedulerLike } from 'rxjs';
import { Client } from '../client/client.js';
import type { MemcacheClient } from '../client/memcache-client.js';
import { HashClient } from '../cluster/hash-client.js';
import { keyvExpires } from './envelope.js';
import { exptimeFor } from './expiry.js';
import { Generations } from './generations.js';
import { keyRoom, valueKey } from './keys.js';

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

/** Commands whose token changed under them are repeated at most this often in all. */
const ATTEMPTS = 3;

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
  /** Set by Keyv; `clear()` clears this namespace only. */
  namespace: string | undefined;
  private readonly owned: boolean;
  private readonly room: number;
  private readonly generations: Generations;
  private readonly scheduler: SchedulerLike;

  constructor(client: MemcacheClient<unknown> | string | readonly string[], options: MemcacheKeyvStoreOptions = {}) {
    super();
    this.owned = typeof client === 'string' || Array.isArray(client);
    this.client = typeof client === 'string' ? new Client(client) : isList(client) ? new HashClient(client) : client;
    this.namespace = options.namespace;
    this.opts = { dialect: 'memcache', namespace: options.namespace, throwOnErrors: options.throwOnErrors ?? false };
    this.room = keyRoom(this.client.codec.options.prefix);
    this.generations = new Generations(this.client, this.room);
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  /** The stored value, or undefined. */
  get(key: string): Promise<unknown> {
    return this.guard(undefined, async () => (await this.read([key]))[0]);
  }

  /** The stored values, undefined where missing, in one round trip. */
  getMany(keys: string[]): Promise<unknown[]> {
    return this.guard(keys.map(() => undefined), () => this.read(keys));
  }

  /** Whether the key holds a value that has not expired. */
  has(key: string): Promise<boolean> {
    return this.guard(false, async () => (await this.hasMany([key]))[0] === true);
  }

  /** `has` for many keys, in one round trip. */
  hasMany(keys: string[]): Promise<boolean[]> {
    return this.guard(keys.map(() => false), async () => {
      const now = this.scheduler.now();
      return (await this.read(keys)).map((value) => {
        const expires = keyvExpires(value);
        // Keyv's own rule: expired once now is past `expires`.
        return value !== undefined && (expires === undefined || expires >= now);
      });
    });
  }

  /** Stores the value; `ttl` in milliseconds (none: no expiry). Resolves true when stored. */
  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    return this.guard(false, () => {
      const expire = exptimeFor(ttl, this.scheduler.now());
      return this.write((token) => this.client.set(valueKey(token, key, this.room), value, { expire, noreply: false }));
    });
  }

  /** Stores every entry in one round trip; resolves with whether each was stored. */
  setMany(entries: MemcacheKeyvEntry[]): Promise<boolean[]> {
    return this.guard(entries.map(() => false), async () => {
      if (entries.length === 0) return [];
      const now = this.scheduler.now();
      const expires = entries.map((e) => exptimeFor(e.ttl, now));
      return this.write((token) => {
        const wire = entries.map((e) => valueKey(token, e.key, this.room));
        // One setMany per distinct TTL (usually one), all sent together.
        const batches = [...new Set(expires)].map((expire) => {
          const pairs = entries.flatMap((e, i) => (expires[i] === expire ? [[wire[i] as string, e.value] as const] : []));
          return this.client.setMany(pairs, { expire, noreply: false });
        });
        return forkJoin(batches).pipe(
          map((missed) => {
            const failed = new Set(missed.flat());
            return wire.map((w) => !failed.has(w));
          }),
        );
      });
    });
  }

  /** Deletes the key: true if it held a value. */
  delete(key: string): Promise<boolean> {
    return this.guard(false, () => this.write((token) => this.client.delete(valueKey(token, key, this.room), { noreply: false })));
  }

  /** Deletes the keys in one round trip: true if any of them held a value. */
  deleteMany(keys: string[]): Promise<boolean> {
    return this.guard(false, async () => {
      if (keys.length === 0) return false;
      // Separate deletes (sent in one write per server) say which keys existed; deleteMany would not.
      const deleted = await this.write((token) => forkJoin(keys.map((k) => this.client.delete(valueKey(token, k, this.room), { noreply: false }))));
      return deleted.some(Boolean);
    });
  }

  /** Clears this store's namespace (and nothing else) in O(1): a new generation token. */
  clear(): Promise<void> {
    return this.guard(undefined, () => this.generations.renew(this.namespace));
  }

  /** Closes the client if this store created it; a client passed in stays open. */
  async disconnect(): Promise<void> {
    if (this.owned) await this.client.close();
  }

  /**
   * Reads `keys` under the namespace's token, with the token itself in the same getMany. If another
   * process renewed the token, the values read belong to an older generation: read again under the new
   * one. No token in memcached at all (evicted, flushed) means nothing of the namespace is left.
   */
  private async read(keys: readonly string[]): Promise<unknown[]> {
    const namespace = this.namespace;
    const tokenKey = this.generations.keyOf(namespace);
    let token = await this.generations.current(namespace);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const wire = keys.map((k) => valueKey(token, k, this.room));
      const hits = await this.client.getMany(new Set([tokenKey, ...wire]));
      const seen = this.generations.observe(namespace, hits.get(tokenKey));
      if (seen === token) return wire.map((w) => hits.get(w));
      if (seen === undefined) break;
      token = seen;
    }
    return keys.map(() => undefined);
  }

  /**
   * Runs a write under the token seen last, reading the token in the same round trip. A different
   * token means another process cleared: once since the token was seen (the write must land under the
   * new token, so it is repeated), or while the write ran (concurrent with the clear: either outcome
   * is right). A missing token is created anew.
   */
  private async write<T>(run: (token: string) => Observable<T>): Promise<T> {
    const namespace = this.namespace;
    const tokenKey = this.generations.keyOf(namespace);
    let token = await this.generations.current(namespace);
    for (let attempt = 1; ; attempt++) {
      const [result, stored] = await firstValueFrom(forkJoin([run(token), this.client.get(tokenKey)]));
      const seen = this.generations.observe(namespace, stored) ?? (await this.generations.current(namespace));
      if (seen === token || attempt === ATTEMPTS) return result;
      token = seen;
    }
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
