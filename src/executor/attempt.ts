import { Observable, type TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';

/**
 * How one executor's run of a call ended: its value, or its error and whether the executor said the
 * call surely left no byte on the wire (`Sink.unsent`).
 *
 * @example
 * ```ts
 * const refused = (a: Attempt<unknown>): boolean => !a.ok && a.unsent;
 * ```
 */
export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: unknown; readonly unsent: boolean };

/**
 * One run of a call as an Observable that emits how it ended and completes, never errors, so a wrapper
 * that asks several executors can go on after a failure. Unsubscribing cancels the run.
 *
 * @example
 * ```ts
 * attempt<string>((sink) => executor.execute(call, sink)).subscribe((a) => (a.ok ? use(a.value) : log(a.error)));
 * ```
 */
export function attempt<T>(start: (sink: Sink<T>) => TeardownLogic): Observable<Attempt<T>> {
  return new Observable<Attempt<T>>((subscriber) => {
    // Per subscription: each run is told separately whether it was refused before writing.
    let unsent = false;
    return start({
      next: (value) => subscriber.next({ ok: true, value }),
      error: (error: unknown) => {
        subscriber.next({ ok: false, error, unsent });
        subscriber.complete();
      },
      complete: () => subscriber.complete(),
      unsent: () => {
        unsent = true;
      },
    });
  });
}
