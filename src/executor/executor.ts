import type { TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import type { MemcacheError } from '../errors.js';
import type { Call } from './call.js';

/**
 * Commands waiting to be sent and commands sent awaiting their reply.
 *
 * @example
 * ```ts
 * const { queued, inFlight } = client.executor.load;
 * ```
 */
export interface Load {
  readonly queued: number;
  readonly inFlight: number;
}

/**
 * What runs commands, whatever is underneath: one server's connection or pool, the cluster's router,
 * a wrapper around another executor (ignoreExc, retry), or an in-memory store. Every public client is
 * the same command surface over one of these; wrappers compose, as undici's interceptors do.
 *
 * `execute` and `broadcast` start the call into the sink and return what cancels it; each settles the
 * sink exactly once (a value then complete, or an error).
 *
 * @example
 * ```ts
 * const teardown = client.executor.execute(call, { next: use, error: fail, complete: done });
 * ```
 */
export interface Executor {
  /** Runs a `key` or `keys` call. */
  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic;
  /** Runs a `server` call on every server (or the one its key names): the results by server name. */
  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic;
  /** What is waiting and in flight, summed over every connection underneath. */
  readonly load: Load;
  /** Closes every connection after what is in flight (sending `quit`); the next command opens new ones. */
  quit(): Promise<void>;
  /** Lets what was started finish, then closes; later calls fail with `MemcacheClosedError`. Safe twice. */
  close(): Promise<void>;
  /** Fails everything now, then closes. Safe to call twice. */
  destroy(error?: MemcacheError): void;
}

/**
 * An executor around another one (ignoreExc, retry): it changes how calls run, while its load and
 * lifecycle are the inner executor's. Subclasses that must also stop something override `close` and
 * `destroy` and call `super`.
 *
 * @example
 * ```ts
 * class Counting extends WrappingExecutor {
 *   execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic { count++; return this.inner.execute(call, sink); }
 *   broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic { return this.inner.broadcast(call, sink); }
 * }
 * ```
 */
export abstract class WrappingExecutor implements Executor {
  constructor(protected readonly inner: Executor) {}

  abstract execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic;
  abstract broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic;

  get load(): Load {
    return this.inner.load;
  }

  quit(): Promise<void> {
    return this.inner.quit();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  destroy(error?: MemcacheError): void {
    this.inner.destroy(error);
  }
}
