import type { ConnectionOptions } from 'node:tls';
import type { SchedulerLike } from 'rxjs';
import { MemcacheIllegalInputError } from '../errors.js';
import type { Key } from '../protocol/keys.js';
import { wirePrefix } from '../protocol/keys.js';
import { Credentials } from '../secret.js';
import type { Deserializer, Serde, Serializer } from '../serde/types.js';
import type { DefaultValue } from '../serde/default.js';
import type { Endpoint, Transport } from '../connection/transport.js';

/**
 * Client options. Times are milliseconds.
 *
 * @example
 * ```ts
 * new Client('localhost:11211', { timeout: 500, connectTimeout: 1000, keyPrefix: 'app:' });
 * ```
 */
export interface ClientOptions<V> {
  /** Deadline for opening the connection (and the TLS handshake). Default 1000. */
  readonly connectTimeout?: number;
  /** Deadline per command, covering queueing, writing and the reply. Default 1000; `Infinity` disables. */
  readonly timeout?: number;
  /** Disable Nagle's algorithm (TCP_NODELAY). Default true: writes are already coalesced per tick. */
  readonly noDelay?: boolean;
  /** TCP keep-alive: `true`, or the idle time in ms before the first probe. Default false. */
  readonly keepAlive?: boolean | number;
  /**
   * Let the process exit while the client is idle (for scripts and CLIs that do not call `close()`):
   * its sockets do not keep Node's event loop alive, while a command in flight (its deadline timer)
   * still does. Default false, as for any socket. A `PooledClient` still waits `poolIdleTimeout` to close
   * idle connections, and a `HashClient` its `deadTimeout` before probing a dead server: `close()` ends both.
   */
  readonly allowExitOnIdle?: boolean;
  /** Prepended to every key on the wire; counts toward the 250-byte limit; never part of results. */
  readonly keyPrefix?: Key;
  /** noreply default for set/add/replace/append/prepend/delete/deleteMany/touch/setMany/flushAll. Default true. */
  readonly defaultNoreply?: boolean;
  /** Accept non-ASCII keys (sent as UTF-8). Default false. */
  readonly allowUnicodeKeys?: boolean;
  /** Read commands resolve as misses on network errors, timeouts and server errors. Default false. */
  readonly ignoreExc?: boolean;
  /** How values become bytes and back. Default: `defaultSerde`. See the `serde` module. */
  readonly serde?: Serde<V>;
  /** pymemcache's legacy style: a serializer function (used when `serde` is absent). */
  readonly serializer?: Serializer<V>;
  /** pymemcache's legacy style: a deserializer function (used when `serde` is absent). */
  readonly deserializer?: Deserializer<V>;
  /** TLS: Node TLS options, or `true` for defaults (certificates and host names verified). */
  readonly tls?: ConnectionOptions | true;
  /** Most commands written and awaiting replies at once; more wait their turn. Default 1000. */
  readonly maxPipeline?: number;
  /**
   * Follow each run of noreply commands with a meta no-op (`mn`, memcached ≥ 1.5.19), so an error the
   * server sends for them can never be read as a later command's reply. Default true. Turn it off
   * behind a proxy that does not know `mn` (twemproxy); such proxies swallow noreply errors themselves.
   */
  readonly noreplySentinel?: boolean;
  /**
   * The protocol of the classic commands (`get`, `set`, …, `getMany`, `setMany`, `deleteMany`, `incr`,
   * `touch`, `cas`). `'auto'` (default): each connection's server is asked once, on a connection of its
   * own, whether it speaks the meta protocol (memcached ≥ 1.6.10; not twemproxy, mcrouter or older
   * servers), while the first commands wait; where it does, a single key's read and the noreply writes go
   * as meta commands (faster; a noreply write resolves with its true result), the rest as text. `'text'`:
   * memcached's text protocol, which every server and proxy speaks. `'meta'`: every classic command as a
   * meta command (memcached ≥ 1.6.10) with the same results, every reply checked against its request, and
   * noreply commands sent quiet so they still resolve to their true result. Server-wide commands are text
   * either way.
   */
  readonly protocol?: 'text' | 'meta' | 'auto';
  /**
   * Most commands waiting to be written per connection (beyond the `maxPipeline` in flight); beyond it
   * commands fail fast with `MemcacheQueueFullError`. Default 1,000,000: bulk code such as
   * `Promise.all` over 100,000 gets never meets it; `maxQueueBytes` is what bounds memory.
   */
  readonly maxQueue?: number;
  /**
   * Most request bytes (command lines and values) waiting to be written per connection; a command that
   * would exceed it fails fast with `MemcacheQueueFullError` (a command arriving at an empty queue is
   * always taken). Default 64 MiB. With a silent server, waiting commands also fail after `timeout`.
   */
  readonly maxQueueBytes?: number;
  /**
   * memcached's item size limit (`-I`) in bytes: set it to the server's. Default 1 MiB, memcached's
   * default. memcached counts the key and 63 bytes of item overhead against it too, so a value over
   * `maxValueSize` - key bytes (prefix included) - 63 is refused before anything is written, noreply
   * included: the server would refuse it and delete the value already stored under the key.
   */
  readonly maxValueSize?: number;
  /** Largest value size a server reply may declare; checked before any buffer is allocated. Default 128 MiB. */
  readonly maxResponseValueSize?: number;
  /**
   * memcached's ASCII authentication (`memcached -Y authfile`): sent first on every new connection, never
   * as noreply. Rejected credentials fail the connection's commands with `MemcacheAuthError`. Neither
   * part may contain whitespace (memcached's token format). The password never appears when a client
   * is printed (`util.inspect`, `JSON.stringify`), nor in errors, events or traces.
   */
  readonly auth?: { readonly username: string; readonly password: string };
  /**
   * After a failed connection attempt, further attempts wait a capped exponential delay with jitter
   * (ms); meanwhile commands fail fast with `MemcacheConnectionError`. Default `{ initial: 50, max: 2000 }`.
   */
  readonly backoff?: { readonly initial?: number; readonly max?: number };
  /** Clock and timers for deadlines; tests pass a TestScheduler. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /**
   * Opens a server's transport (the byte stream under the protocol): for tests and custom transports.
   * Default: a TCP, TLS or UNIX socket, as the server spec and `tls` say.
   */
  readonly connect?: (endpoint: Endpoint) => Transport;
}

/**
 * What a client's options must add when its value type is not the default serde's: the serde (or
 * pymemcache's deserializer function) that produces that type. (A conditional on the whole argument
 * list would also refuse `new Client<string>(server)` with no options at all, but it breaks
 * `new FallbackClient([new Client(a), new Client(b)])`: TypeScript cannot count the arguments of a
 * client built where its value type is still being inferred.)
 *
 * @example
 * ```ts
 * new Client<Date>('localhost:11211', { serde: dateSerde }); // without `serde`, options would not compile
 * ```
 */
export type SerdeFor<V> = [DefaultValue] extends [V] ? unknown : { readonly serde: Serde<V> } | { readonly deserializer: Deserializer<V> };

/**
 * A client's options argument: optional, and naming a serde when the value type needs one (`SerdeFor`).
 *
 * @example
 * ```ts
 * const args: OptionsFor<string, ClientOptions<string>> = [{ serde: myStringSerde }];
 * ```
 */
export type OptionsFor<V, O> = [options?: O & SerdeFor<V>];

/** Options after defaults and validation. */
export interface ResolvedOptions {
  readonly connectTimeout: number;
  readonly timeout: number;
  readonly noDelay: boolean;
  readonly keepAlive: boolean | number;
  readonly allowExitOnIdle: boolean;
  readonly prefix: string;
  readonly defaultNoreply: boolean;
  readonly allowUnicodeKeys: boolean;
  readonly ignoreExc: boolean;
  readonly tls: ConnectionOptions | true | undefined;
  readonly maxPipeline: number;
  readonly noreplySentinel: boolean;
  readonly protocol: 'text' | 'meta' | 'auto';
  readonly maxQueue: number;
  readonly maxQueueBytes: number;
  readonly maxValueSize: number;
  readonly maxResponseValueSize: number;
  /** Never printed: see `Credentials`. */
  readonly auth: Credentials | undefined;
  readonly backoff: { readonly initial: number; readonly max: number };
}

/** Applies defaults and rejects nonsense at construction. */
export function resolveOptions<V>(options: ClientOptions<V>): ResolvedOptions {
  const allowUnicodeKeys = options.allowUnicodeKeys ?? false;
  return {
    connectTimeout: duration(options.connectTimeout, 1000, 'connectTimeout'),
    timeout: duration(options.timeout, 1000, 'timeout'),
    noDelay: options.noDelay ?? true,
    keepAlive: keepAlive(options.keepAlive),
    allowExitOnIdle: options.allowExitOnIdle === true,
    prefix: wirePrefix(options.keyPrefix, allowUnicodeKeys),
    defaultNoreply: options.defaultNoreply ?? true,
    allowUnicodeKeys,
    ignoreExc: options.ignoreExc ?? false,
    tls: options.tls,
    maxPipeline: whole(options.maxPipeline, 1000, 'maxPipeline'),
    noreplySentinel: options.noreplySentinel ?? true,
    protocol: protocolOf(options.protocol),
    maxQueue: whole(options.maxQueue, 1_000_000, 'maxQueue'),
    maxQueueBytes: whole(options.maxQueueBytes, 64 * 1024 * 1024, 'maxQueueBytes'),
    maxValueSize: whole(options.maxValueSize, 1024 * 1024, 'maxValueSize'),
    maxResponseValueSize: whole(options.maxResponseValueSize, 128 * 1024 * 1024, 'maxResponseValueSize'),
    auth: credentials(options.auth),
    backoff: {
      initial: duration(options.backoff?.initial, 50, 'backoff.initial'),
      max: duration(options.backoff?.max, 2000, 'backoff.max'),
    },
  };
}

function duration(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new MemcacheIllegalInputError(`${name} must be a positive number of milliseconds (or Infinity), got ${String(value)}`);
  }
  return value;
}

function whole(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new MemcacheIllegalInputError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function keepAlive(value: boolean | number | undefined): boolean | number {
  if (value === undefined || typeof value === 'boolean') return value ?? false;
  if (!Number.isSafeInteger(value) || value < 0) throw new MemcacheIllegalInputError(`keepAlive must be a boolean or a delay in ms, got ${value}`);
  return value;
}

// Credentials travel as `<username> <password>` in one data block, which memcached splits on
// whitespace: neither part may contain any (the server answers "bad authentication token format").
// Kept as `Credentials`, so printing the client or its options never shows the password.
function credentials(auth: ClientOptions<unknown>['auth']): ResolvedOptions['auth'] {
  if (auth === undefined) return undefined;
  const { username, password } = auth;
  const valid = (part: unknown): boolean => typeof part === 'string' && part !== '' && !/\s/.test(part);
  if (!valid(username) || !valid(password)) {
    throw new MemcacheIllegalInputError('auth needs a username and a password, both non-empty and without whitespace');
  }
  return new Credentials(username, password);
}

function protocolOf(protocol: unknown): 'text' | 'meta' | 'auto' {
  if (protocol === undefined) return 'auto';
  if (protocol === 'text' || protocol === 'meta' || protocol === 'auto') return protocol;
  throw new MemcacheIllegalInputError(`protocol must be 'text', 'meta' or 'auto', got ${String(protocol)}`);
}
