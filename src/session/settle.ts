import type { Observable } from 'rxjs';

/**
 * Runs one command for a callback API: `onValue` or `onError`, exactly once, and nothing thrown or
 * rejected on the way. A command that cannot even be built (bad key, a serializer that throws) reaches
 * `onError` at once, before any byte is sent. The callbacks run outside any try block of ours, so an
 * exception a caller's callback throws is its own (RxJS reports it as uncaught), never a second call.
 *
 * @example
 * ```ts
 * settle(() => client.delete(key, { noreply: false }), () => callback(), (error) => callback(error));
 * ```
 */
export function settle<T>(start: () => Observable<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void {
  let command: Observable<T>;
  try {
    command = start();
  } catch (error) {
    onError(error);
    return;
  }
  command.subscribe({ next: onValue, error: onError });
}
