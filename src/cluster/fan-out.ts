import { catchError, forkJoin, map, of, type Observable } from 'rxjs';

/** One server's part of a fanned-out command. */
export interface Share<K, R> {
  readonly keys: readonly K[];
  readonly run: () => Observable<R>;
}

/** How every share ended: answered, or failed (including shares that had no server to go to). */
export interface Outcome<K, R> {
  readonly answered: ReadonlyArray<{ readonly keys: readonly K[]; readonly result: R }>;
  readonly failed: ReadonlyArray<{ readonly keys: readonly K[]; readonly error: unknown }>;
}

/**
 * Runs every server's share at once and waits for all of them, keeping each result or error, so one
 * dead server never throws away what the others answered (pymemcache asks servers one after another).
 *
 * @example
 * ```ts
 * fanOut(shares, []).subscribe(({ answered, failed }) => merge(answered, failed));
 * ```
 */
export function fanOut<K, R>(
  shares: ReadonlyArray<Share<K, R>>,
  unroutable: ReadonlyArray<{ readonly keys: readonly K[]; readonly error: unknown }>,
): Observable<Outcome<K, R>> {
  if (shares.length === 0) return of({ answered: [], failed: unroutable });
  const settled = shares.map((share) =>
    share.run().pipe(
      map((result) => ({ ok: true as const, keys: share.keys, result })),
      catchError((error: unknown) => of({ ok: false as const, keys: share.keys, error })),
    ),
  );
  return forkJoin(settled).pipe(
    map((all) => ({
      answered: all.flatMap((s) => (s.ok ? [{ keys: s.keys, result: s.result }] : [])),
      failed: [...unroutable, ...all.flatMap((s) => (s.ok ? [] : [{ keys: s.keys, error: s.error }]))],
    })),
  );
}
