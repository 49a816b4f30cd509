// A named import: Node finds it in express-session's CommonJS exports, and the types need no esModuleInterop.
import { Store, type SessionData } from 'express-session';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { MemcacheClient } from '../client/memcache-client.js';
import { MemcacheIllegalInputError, MemcacheServerError } from '../errors.js';
import { cookieLifetime, sessionExptime } from './expiry.js';
import { jsonSessionSerializer, type SessionSerializer } from './serializer.js';
import { settle } from './settle.js';

/**
 * Options of `MemcacheStore`.
 *
 * @example
 * ```ts
 * const options: MemcacheStoreOptions<DefaultValue> = { client, prefix: 'sess:', ttl: 3600 };
 * ```
 */
export interface MemcacheStoreOptions<V> {
  /** Any rxmemcache client. The store borrows it: close it yourself when the app shuts down. */
  readonly client: MemcacheClient<V>;
  /** Put before each session id to make its key (after the client's own `keyPrefix`). Default `sess:`. */
  readonly prefix?: string;
  /** Seconds a session lives when its cookie sets no end (a browser session cookie); 0 = no expiry. Default 86400. */
  readonly ttl?: number;
  /** How sessions become stored values and back. Default JSON text; required when the client does not store strings. */
  readonly serializer?: SessionSerializer<V>;
  /** The clock that expiry is computed from. Default `asyncScheduler` (wall-clock time). */
  readonly scheduler?: SchedulerLike;
}

/** The default serializer writes strings: a client that cannot store them must be given one. */
type SerializerFor<V> = string extends V ? unknown : { readonly serializer: SessionSerializer<V> };

type ErrorCallback = (err?: unknown) => void;

const DEFAULT_PREFIX = 'sess:';
const DEFAULT_TTL_S = 86_400;

/**
 * An express-session store over any rxmemcache client (`Client`, `PooledClient`, `HashClient`, …).
 * Each session is one item, `prefix + sid`, that memcached expires when the session cookie does (or
 * after `ttl` for a cookie with no end). `touch` is memcached's `touch`: the session is not rewritten.
 * Every error reaches the callback; a session that is not there is `callback(null, null)`.
 *
 * @example
 * ```ts
 * app.use(session({ store: new MemcacheStore({ client }), secret, resave: false, saveUninitialized: false }));
 * ```
 */
export class MemcacheStore<V> extends Store {
  /** The client sessions are kept in (borrowed, never closed by the store). */
  readonly client: MemcacheClient<V>;
  /** What each session id is prefixed with. */
  readonly prefix: string;
  /** Seconds a session lives when its cookie sets no end; 0 = no expiry. */
  readonly ttl: number;
  private readonly serializer: SessionSerializer<V>;
  private readonly scheduler: SchedulerLike;

  constructor(options: MemcacheStoreOptions<V> & SerializerFor<V>) {
    super();
    const { client, prefix = DEFAULT_PREFIX, ttl = DEFAULT_TTL_S } = options;
    if (typeof client !== 'object' || client === null || typeof client.get !== 'function') {
      throw new MemcacheIllegalInputError('MemcacheStore needs a client: an rxmemcache Client, PooledClient, HashClient, …');
    }
    if (!Number.isSafeInteger(ttl) || ttl < 0) throw new MemcacheIllegalInputError(`ttl must be a whole number of seconds ≥ 0, got ${String(ttl)}`);
    if (typeof prefix !== 'string') throw new MemcacheIllegalInputError(`prefix must be a string, got ${typeof prefix}`);
    if (prefix !== '') client.codec.key(`${prefix}0`); // a prefix the client's key rules refuse fails now, not on every request
    this.client = client;
    this.prefix = prefix;
    this.ttl = ttl;
    // Sound: SerializerFor<V> demands a serializer unless the client stores strings, which JSON text is.
    this.serializer = options.serializer ?? (jsonSessionSerializer as SessionSerializer<V>);
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  /** Reads a session: `callback(null, session)`, `callback(null, null)` when there is none (or it has ended), or `callback(error)`. */
  get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    settle(
      () => this.client.get(this.key(sid)),
      (value) => {
        let session: SessionData | null;
        try {
          session = value === undefined ? null : this.unexpired(this.serializer.parse(value));
        } catch (error) {
          callback(error);
          return;
        }
        callback(null, session);
      },
      (error) => callback(error),
    );
  }

  /** Writes a session whole, to expire with its cookie; one whose cookie has already ended is deleted instead. */
  set(sid: string, session: SessionData, callback?: ErrorCallback): void {
    const exptime = this.exptime(session);
    if (exptime === null) {
      this.destroy(sid, callback);
      return;
    }
    settle(
      () => this.client.set(this.key(sid), this.value(session), { expire: exptime, noreply: false }),
      (stored) => callback?.(stored ? undefined : new MemcacheServerError(`memcached did not store session ${sid}`)),
      (error) => callback?.(error),
    );
  }

  /** Deletes a session; one that is not there is no error. */
  destroy(sid: string, callback?: ErrorCallback): void {
    settle(
      () => this.client.delete(this.key(sid), { noreply: false }),
      () => callback?.(),
      (error) => callback?.(error),
    );
  }

  /**
   * Moves a session's expiry to its cookie's new end with memcached's `touch`: nothing is rewritten. A
   * session no longer there stays gone (rewriting it could bring back one another request destroyed).
   */
  override touch(sid: string, session: SessionData, callback?: ErrorCallback): void {
    const exptime = this.exptime(session);
    if (exptime === null) {
      this.destroy(sid, callback);
      return;
    }
    settle(
      () => this.client.touch(this.key(sid), exptime, { noreply: false }),
      () => callback?.(),
      (error) => callback?.(error),
    );
  }

  private key(sid: string): string {
    // With a prefix, '' would still make a valid key: one item shared by every caller with a bogus id.
    if (typeof sid !== 'string' || sid === '') throw new MemcacheIllegalInputError(`a session id must be a non-empty string, got ${JSON.stringify(sid)}`);
    return this.prefix + sid;
  }

  private value(session: SessionData): V {
    try {
      return this.serializer.stringify(session);
    } catch (cause) {
      throw new MemcacheIllegalInputError('the session could not be serialized', { cause });
    }
  }

  private exptime(session: SessionData): number | null {
    const now = this.scheduler.now();
    return sessionExptime(cookieLifetime(session.cookie, now), now, this.ttl);
  }

  // memcached keeps an item up to a second past its cookie (whole seconds, rounded up): not a session any more.
  private unexpired(session: SessionData): SessionData | null {
    const left = cookieLifetime(session.cookie, this.scheduler.now());
    return left !== undefined && left <= 0 ? null : session;
  }
}
