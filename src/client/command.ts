import { Observable, firstValueFrom } from 'rxjs';

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
  /** Subscribes once and resolves with the value (or rejects with the typed error). */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return firstValueFrom(this).then(onfulfilled, onrejected);
  }

  /** Subscribes once; like `Promise#catch`. */
  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return firstValueFrom(this).catch(onrejected);
  }

  /** Subscribes once; like `Promise#finally`. */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return firstValueFrom(this).finally(onfinally);
  }
}

/** A command that settles without I/O (an empty key list, for instance). */
export function settled<T>(value: T): Command<T> {
  return new Command<T>((subscriber) => {
    subscriber.next(value);
    subscriber.complete();
  });
}

/** A command that fails on subscription without I/O (invalid input found while building it). */
export function rejected<T>(error: unknown): Command<T> {
  return new Command<T>((subscriber) => subscriber.error(error));
}
