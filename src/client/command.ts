import { Observable, type TeardownLogic } from 'rxjs';

/**
 * Where a running command delivers its outcome: an RxJS subscriber, or a promise's resolvers.
 *
 * @example
 * ```ts
 * client.executor.execute(call, { next: console.log, error: console.error, complete: () => {}, unsent: () => retrySafely() });
 * ```
 */
export interface Sink<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
  /**
   * Told, just before `error`, that the command failed before any of its bytes were written: the server
   * cannot have acted on it, so even a write may be retried. Absent means nobody asks; not called means
   * it may have been sent.
   */
  unsent?(): void;
}

/** Runs a command once into a sink; returns what cancels it. */
export type Start<T> = (sink: Sink<T>) => TeardownLogic;

/**
 * What every client command returns: a cold Observable that emits exactly one value and completes (or
 * errors), and that can also be awaited. Nothing is sent until it is subscribed or awaited; each
 * subscription (each `await`) sends the command again.
 *
 * @example
 * ```ts
 * const value = await client.get('k');            // as a promise
 * client.get('k').subscribe((v) => console.log(v)); // as an Observable
 * ```
 */
export class Command<T> extends Observable<T> implements PromiseLike<T> {
  private readonly start: Start<T>;

  constructor(start: Start<T>) {
    super((subscriber) => start(subscriber));
    this.start = start;
  }

  /**
   * Runs the command once and resolves with its value (or rejects with its typed error). Awaiting
   * skips the Observable machinery: a command settles exactly once, so a promise is all it needs.
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.once().then(onfulfilled, onrejected);
  }

  /** Runs the command once; like `Promise#catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.once().catch(onrejected);
  }

  /** Runs the command once; like `Promise#finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.once().finally(onfinally);
  }

  private once(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.start({ next: resolve, error: reject, complete: noop });
    });
  }
}

const noop = (): void => undefined;

/** A command that settles without I/O (an empty key list, for instance). */
export function settled<T>(value: T): Command<T> {
  return new Command<T>((sink) => {
    sink.next(value);
    sink.complete();
  });
}

/** A command that fails without I/O (invalid input found while building it). */
export function rejected<T>(error: unknown): Command<T> {
  return new Command<T>((sink) => sink.error(error));
}
