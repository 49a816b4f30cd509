/**
 * The error family. Names follow pymemcache so its users recognise them; each class carries a stable
 * `code`, an optional `cause`, and a `Symbol.for` brand so `instanceof` holds across two copies of this
 * library loaded in one process.
 */

const brandOf = (code: string): symbol => Symbol.for(`rxmemcache.error.${code}`);

/** Options every memcache error accepts. */
export interface MemcacheErrorOptions {
  /** The lower-level error that caused this one. */
  readonly cause?: unknown;
}

/**
 * Base class of every error this library raises.
 *
 * @example
 * ```ts
 * try { await client.get('k'); } catch (e) { if (e instanceof MemcacheError) console.log(e.code); }
 * ```
 */
export class MemcacheError extends Error {
  /** Stable machine-readable identifier of the error class. */
  static readonly code: string = 'MEMCACHE_ERROR';
  /** Same as the class's static `code`. */
  readonly code: string;

  constructor(message: string, options: MemcacheErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as typeof MemcacheError;
    this.name = ctor.name;
    this.code = ctor.code;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // A user subclass without its own code has no brand of its own: plain prototype semantics.
    if (!Object.hasOwn(this, 'code')) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && brandOf(this.code) in value;
  }
}

/**
 * The server answered `CLIENT_ERROR <message>`: it rejected the request as malformed.
 *
 * @example
 * ```ts
 * await client.incr('text-key', 1).catch((e) => e instanceof MemcacheClientError);
 * ```
 */
export class MemcacheClientError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_CLIENT_ERROR';
}

/**
 * The server answered `ERROR`: it does not know the command (or this build lacks it).
 *
 * @example
 * ```ts
 * await client.rawCommand('nonsense').catch((e) => e instanceof MemcacheUnknownCommandError);
 * ```
 */
export class MemcacheUnknownCommandError extends MemcacheClientError {
  static override readonly code: string = 'MEMCACHE_UNKNOWN_COMMAND';
}

/**
 * Input rejected by this client before any byte was written (bad key, expire, flags, delta, cas token,
 * server spec or option).
 *
 * @example
 * ```ts
 * await client.get('has space').catch((e) => e instanceof MemcacheIllegalInputError);
 * ```
 */
export class MemcacheIllegalInputError extends MemcacheClientError {
  static override readonly code: string = 'MEMCACHE_ILLEGAL_INPUT';
}

/**
 * The server answered `SERVER_ERROR <message>`, e.g. `object too large for cache`.
 *
 * @example
 * ```ts
 * await client.set('k', huge, { noreply: false }).catch((e) => e instanceof MemcacheServerError);
 * ```
 */
export class MemcacheServerError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_SERVER_ERROR';
}

/**
 * The server closed the connection while this command was in flight.
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheUnexpectedCloseError) retryLater();
 * ```
 */
export class MemcacheUnexpectedCloseError extends MemcacheServerError {
  static override readonly code: string = 'MEMCACHE_UNEXPECTED_CLOSE';
}

/**
 * The server sent bytes this client cannot parse (or a reply nobody asked for). The connection is
 * destroyed, since its framing can no longer be trusted.
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheUnknownError) console.warn('protocol desync', e.message);
 * ```
 */
export class MemcacheUnknownError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_UNKNOWN_ERROR';
}

/**
 * The connection could not be made or was lost: refused, reset, DNS failure, TLS failure.
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheConnectionError) console.warn('memcached unreachable', e.cause);
 * ```
 */
export class MemcacheConnectionError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_CONNECTION_ERROR';
}

/**
 * A deadline passed: `connectTimeout` while connecting, or `timeout` while the command was queued,
 * being written or waiting for its reply.
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheTimeoutError) metrics.timeouts++;
 * ```
 */
export class MemcacheTimeoutError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_TIMEOUT';
}

/**
 * A command waited for a pooled connection (every one at its `maxPipeline`) until `acquireTimeout`, or
 * its own `timeout`, passed; it was never sent. A kind of `MemcacheTimeoutError`.
 *
 * @example
 * ```ts
 * if (e instanceof MemcachePoolTimeoutError) console.warn('pool too small for this load');
 * ```
 */
export class MemcachePoolTimeoutError extends MemcacheTimeoutError {
  static override readonly code: string = 'MEMCACHE_POOL_TIMEOUT';
}

/**
 * The client was closed (or destroyed) before this command could run.
 *
 * @example
 * ```ts
 * await client.close(); await client.get('k').catch((e) => e instanceof MemcacheClosedError);
 * ```
 */
export class MemcacheClosedError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_CLOSED';
}

/**
 * Stored bytes could not be turned back into a value: unknown flags, a Python pickle, corrupt
 * compressed data, bad JSON. Only the command that read them fails; the connection is unaffected.
 *
 * @example
 * ```ts
 * await client.get('written-by-python').catch((e) => e instanceof MemcacheSerdeError);
 * ```
 */
export class MemcacheSerdeError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_SERDE_ERROR';
}

/**
 * No live server is left to route a key to (HashClient). With `ignoreExc`, reads become misses instead.
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheNoServersError) serveWithoutCache();
 * ```
 */
export class MemcacheNoServersError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_NO_SERVERS';
}

/**
 * Part of a fanned-out command failed (HashClient): `failedKeys` names the keys whose servers failed,
 * `partial` holds what the other servers answered (the same shape the command resolves to), and
 * `cause` is the first server's error.
 *
 * @example
 * ```ts
 * try { await cluster.getMany(keys); } catch (e) { if (e instanceof MemcacheClusterError) use(e.partial); }
 * ```
 */
export class MemcacheClusterError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_CLUSTER_ERROR';
  /** The keys (or, for per-server commands, the server names) whose servers failed. */
  readonly failedKeys: readonly unknown[];
  /** What the healthy servers answered, shaped like the command's own result. */
  readonly partial: unknown;

  constructor(message: string, failedKeys: readonly unknown[], partial: unknown, options: MemcacheErrorOptions = {}) {
    super(message, options);
    this.failedKeys = failedKeys;
    this.partial = partial;
  }
}

/**
 * The connection's queue already holds `maxQueue` commands waiting to be written: fail fast instead
 * of growing without bound while the server is slow or unreachable.
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheQueueFullError) shedLoad();
 * ```
 */
export class MemcacheQueueFullError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_QUEUE_FULL';
}

/**
 * The server refused the credentials from the `auth` option (memcached `-Y` ASCII authentication).
 *
 * @example
 * ```ts
 * if (e instanceof MemcacheAuthError) alert('memcached credentials rejected');
 * ```
 */
export class MemcacheAuthError extends MemcacheError {
  static override readonly code: string = 'MEMCACHE_AUTH';
}

const families = [
  MemcacheError,
  MemcacheClientError,
  MemcacheUnknownCommandError,
  MemcacheIllegalInputError,
  MemcacheServerError,
  MemcacheUnexpectedCloseError,
  MemcacheUnknownError,
  MemcacheConnectionError,
  MemcacheTimeoutError,
  MemcachePoolTimeoutError,
  MemcacheClosedError,
  MemcacheSerdeError,
  MemcacheNoServersError,
  MemcacheClusterError,
  MemcacheQueueFullError,
  MemcacheAuthError,
];
// Brands live on prototypes, so a subclass instance carries every ancestor's brand too.
for (const family of families) {
  Object.defineProperty(family.prototype, brandOf(family.code), { value: true });
}

/** Wraps anything thrown by a socket, resolver or TLS layer into a connection error. */
export function toConnectionError(cause: unknown, what: string): MemcacheError {
  if (cause instanceof MemcacheError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new MemcacheConnectionError(`${what}: ${detail}`, { cause });
}
