import type { Executor } from '../executor/executor.js';
import { RetryExecutor } from '../executor/retry.js';
import type { RetryOptions } from '../executor/retry-policy.js';
import type { DefaultValue } from '../serde/default.js';
import type { Codec } from './codec.js';
import { MemcacheClient, type WrappedClient } from './memcache-client.js';

/**
 * A `RetryingClient`'s options: `attempts` (tries in all, default 2), `retryDelay` (ms or a backoff
 * function, default 0), `retryFor` or `doNotRetryFor` (error classes), `retryWrites` (default false)
 * and `scheduler`. See `RetryOptions` for each.
 *
 * @example
 * ```ts
 * const options: RetryingClientOptions = { attempts: 3, retryDelay: 10, retryFor: [MemcacheUnexpectedCloseError] };
 * ```
 */
export type RetryingClientOptions = RetryOptions;

/**
 * Any client whose failed commands are tried again: reads (and other commands that are harmless twice)
 * on any error, writes only when they surely never left this process, unless `retryWrites`. Bad input
 * and a closed client are never retried. It has every command of the client it wraps, with the same
 * results (and its value type); `close()`, `destroy()` and `quit()` reach that client.
 *
 * @example
 * ```ts
 * const client = new RetryingClient(new Client('localhost:11211'), {
 *   attempts: 3,
 *   retryDelay: 10,
 *   retryFor: [MemcacheConnectionError, MemcacheUnexpectedCloseError],
 * });
 * const value = await client.get('k'); // rides over a server restart
 * await client.close();
 * ```
 */
export class RetryingClient<V = DefaultValue> extends MemcacheClient<V> {
  readonly codec: Codec<V>;
  readonly executor: Executor;

  /**
   * @param client Any client (`Client`, `PooledClient`, `HashClient`, …): its codec and executor are used.
   * @throws MemcacheIllegalInputError when an option is invalid.
   */
  constructor(client: WrappedClient<V>, options: RetryingClientOptions = {}) {
    super();
    this.codec = client.codec;
    this.executor = new RetryExecutor(client.executor, options);
  }
}
