import type { MemcacheError } from '../errors.js';
import type { Call } from '../executor/call.js';
import type { Executor } from '../executor/executor.js';
import type { Codec } from './codec.js';
import { Command, rejected } from './command.js';

/**
 * What every client is made of: a codec that builds calls, an executor that runs them, and the few
 * ways a command method turns a built call into a cold `Command`. The command methods live in the
 * subclasses (`MetaCommands`, `MemcacheClient`).
 *
 * @example
 * ```ts
 * class Audited extends MemcacheClient {
 *   readonly codec = inner.codec;
 *   readonly executor = new AuditingExecutor(inner.executor);
 * }
 * ```
 */
export abstract class CommandRunner<V> {
  /** How keys and values become wire form and back (prefix, key rules, serde, limits, noreply default). */
  abstract readonly codec: Codec<V>;
  /** What runs the commands; wrap it to compose behaviour (see `RetryingClient`). */
  abstract readonly executor: Executor;

  /** Closes the connections after what is in flight (sending `quit`); the next command reconnects. */
  quit(): Command<void> {
    return new Command<void>((sink) => {
      this.executor.quit().then(() => finish(sink), (error: unknown) => sink.error(error));
    });
  }

  /** Lets queued and in-flight commands finish, then closes. Later commands fail with `MemcacheClosedError`. Safe twice. */
  close(): Promise<void> {
    return this.executor.close();
  }

  /** Fails everything queued or in flight now, then closes. Safe to call twice. */
  destroy(error?: MemcacheError): void {
    this.executor.destroy(error);
  }

  /**
   * Builds the call now, with this client's codec (bad input fails here, as a command that errors), and
   * returns the cold command that runs it on each subscription.
   */
  protected run<T>(build: (codec: Codec<V>) => Call<T>): Command<T> {
    const call = this.build(build);
    if (call instanceof Command) return call;
    const executor = this.executor;
    return new Command<T>((sink) => executor.execute(call, sink));
  }

  /** `run` for a read whose miss (undefined) the caller sees as `miss` (when given). */
  protected runOr<T, D>(build: (codec: Codec<V>) => Call<T | undefined>, miss: D): Command<T | D> {
    if (miss === undefined) return this.run(build) as Command<T | D>;
    const call = this.build(build);
    if (call instanceof Command) return call;
    const executor = this.executor;
    return new Command<T | D>((sink) =>
      executor.execute(call, {
        next: (value) => sink.next(value === undefined ? miss : value),
        error: (error) => sink.error(error),
        complete: () => sink.complete(),
      }),
    );
  }

  /** `run` for a call to every server. */
  protected runEach<T>(build: (codec: Codec<V>) => Call<T>): Command<Map<string, T>> {
    const call = this.build(build);
    if (call instanceof Command) return call;
    const executor = this.executor;
    return new Command<Map<string, T>>((sink) => executor.broadcast(call, sink));
  }

  /** The call built with this client's codec, or, when its input is bad, a command that fails with why. */
  private build<T>(build: (codec: Codec<V>) => Call<T>): Call<T> | Command<never> {
    try {
      return build(this.codec);
    } catch (error) {
      return rejected(error);
    }
  }
}

function finish(sink: { next(v: void): void; complete(): void }): void {
  sink.next();
  sink.complete();
}
