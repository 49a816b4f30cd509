import { MemcacheIllegalInputError } from '../errors.js';

/**
 * How a `PooledClient` sizes its pool. Every connection also takes the client's own options
 * (`maxPipeline`, `timeout`, `maxQueue`, …).
 */
export interface PoolOptions {
  /** Most connections to the server. Default 4. */
  readonly maxPoolSize?: number;
  /** A connection with nothing queued or in flight for this many ms is closed; it reopens on demand. Default Infinity (never). */
  readonly poolIdleTimeout?: number;
  /**
   * Most ms a command waits for room on a connection (all at `maxPipeline`) before it fails with
   * `MemcachePoolTimeoutError`, unsent. Its own `timeout`, counted from subscription, applies too.
   * Default Infinity (only `timeout` bounds the wait).
   */
  readonly acquireTimeout?: number;
  /** Most commands waiting for room; beyond it `MemcacheQueueFullError` at once. Default: the client's `maxQueue`. */
  readonly maxWaiting?: number;
}

/** `PoolOptions` with defaults applied. */
export interface ResolvedPoolOptions {
  readonly maxPoolSize: number;
  readonly poolIdleTimeout: number;
  readonly acquireTimeout: number;
  readonly maxWaiting: number;
}

/** The snapshot `PooledClient.pool$` emits whenever one of its counts changes. */
export interface PoolStats {
  /** Connections in the pool (open, opening or reconnecting). */
  readonly size: number;
  /** Connections with at least one command queued or in flight. */
  readonly busy: number;
  /** Commands waiting for room on a connection. */
  readonly waiting: number;
}

/** Applies defaults and rejects nonsense at construction, like the client's own options. */
export function resolvePoolOptions(options: PoolOptions, maxQueue: number): ResolvedPoolOptions {
  return {
    maxPoolSize: whole(options.maxPoolSize, 4, 'maxPoolSize'),
    poolIdleTimeout: duration(options.poolIdleTimeout, 'poolIdleTimeout'),
    acquireTimeout: duration(options.acquireTimeout, 'acquireTimeout'),
    maxWaiting: whole(options.maxWaiting, maxQueue, 'maxWaiting'),
  };
}

function whole(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new MemcacheIllegalInputError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

function duration(value: number | undefined, name: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new MemcacheIllegalInputError(`${name} must be a positive number of milliseconds (or Infinity), got ${String(value)}`);
  }
  return value;
}
