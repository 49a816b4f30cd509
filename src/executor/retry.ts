import { asyncScheduler, map, merge, Observable, retry, Subject, timer, type SchedulerLike, type TeardownLogic } from 'rxjs';
import type { Sink, Start } from '../client/command.js';
import type { CommandInfo } from '../commands/spec.js';
import type { MemcacheError } from '../errors.js';
import type { Call } from './call.js';
import { WrappingExecutor, type Executor } from './executor.js';
import { retryPolicy, type RetryOptions, type RetryPolicy } from './retry-policy.js';

/**
 * Runs each command on an inner executor and tries it again when it fails, up to `attempts` tries in
 * all, waiting `retryDelay` between them on the scheduler. Each try is a fresh run of the same call
 * (calls are immutable). Never retried: bad input, a closed client, errors outside `retryFor` or inside
 * `doNotRetryFor`, and writes that may have reached the server unless `retryWrites` (see `RetryOptions`).
 *
 * Unsubscribing cancels the try in flight or the wait before the next. After `close()` or `destroy()`
 * no try starts: a command waiting for its next try fails at once with its last error. An inner client
 * with `ignoreExc` never fails a read, so its reads are never retried.
 *
 * @example
 * ```ts
 * const executor = new RetryExecutor(client.executor, { attempts: 3, retryDelay: 10 });
 * ```
 */
export class RetryExecutor extends WrappingExecutor {
  private readonly policy: RetryPolicy;
  private readonly scheduler: SchedulerLike;
  /** Emits once the executor closes: every wait for a next try gives up. */
  private readonly stop = new Subject<void>();
  private stopped = false;

  /** @throws MemcacheIllegalInputError when an option is invalid. */
  constructor(inner: Executor, options: RetryOptions = {}) {
    super(inner);
    this.policy = retryPolicy(options);
    this.scheduler = options.scheduler ?? asyncScheduler;
  }

  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic {
    return this.run(call.info, sink, (s) => this.inner.execute(call, s));
  }

  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic {
    return this.run(call.info, sink, (s) => this.inner.broadcast(call, s));
  }

  override close(): Promise<void> {
    this.halt();
    return super.close();
  }

  override destroy(error?: MemcacheError): void {
    this.halt();
    super.destroy(error);
  }

  /**
   * The tries of one command. Each try reports whether it surely never left the process (`unsent`);
   * the decision to retry reads that of the try that just failed, and the caller is told `unsent` only
   * when no try may have reached a server.
   */
  private run<T>(info: CommandInfo, sink: Sink<T>, start: Start<T>): TeardownLogic {
    let unsent = false;
    let reached = false;
    const attempt$ = new Observable<T>((subscriber) => {
      unsent = false;
      return start({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          if (!unsent) reached = true;
          subscriber.error(error);
        },
        complete: () => subscriber.complete(),
        unsent: () => (unsent = true),
      });
    });
    const delay = (error: unknown, attempt: number): Observable<unknown> => {
      if (this.stopped || !this.policy.retries(info, error, unsent)) throw error;
      const giveUp = this.stop.pipe(map(() => { throw error; }));
      return merge(timer(this.policy.delay(attempt, error), this.scheduler), giveUp);
    };
    return attempt$.pipe(retry({ count: this.policy.attempts - 1, delay })).subscribe({
      next: (value) => sink.next(value),
      error: (error: unknown) => {
        if (!reached) sink.unsent?.();
        sink.error(error);
      },
      complete: () => sink.complete(),
    });
  }

  private halt(): void {
    this.stopped = true;
    this.stop.next();
  }
}
