import { asyncScheduler, catchError, concat, defer, EMPTY, from, ignoreElements, isObservable, map, mergeMap, Observable, of, take, tap, throwError, throwIfEmpty, timer, type SchedulerLike } from 'rxjs';
import { storedKey, type RoutedKey } from '../cluster/routed-key.js';
import { MemcacheIllegalInputError, MemcacheTimeoutError } from '../errors.js';
import { checkExpire } from '../protocol/numbers.js';
import { Command, rejected } from './command.js';
import type { MetaCommands } from './meta-commands.js';
import type { MetaGetResult } from './meta-types.js';

// Stampede protection over the meta commands (memcached ≥ 1.6). One `mg … c N<lease> [R<recache>]` tells
// each caller what to do: `W` (won) = compute and store; a value = use it (fresh, stale, or due for a
// refresh someone else won); an empty placeholder with `Z` = someone else is computing, ask again later.
// Polling re-sends the same `mg` with `N`, so a winner that failed or died (its placeholder deleted or
// expired) hands the win to the next poller: nobody waits on a lease nobody holds.

/** What computes a missing or stale value: a value, a promise of one, or an Observable (its first value). */
export type Loader<V> = () => V | PromiseLike<V> | Observable<V>;

/** Options of `getOrSet`. Seconds are memcached's; milliseconds are the caller's clock (`scheduler`). */
export interface GetOrSetOptions {
  /** Seconds the stored value lives (0 = never). */
  readonly ttl: number;
  /**
   * Seconds the winner has to store its value before the win passes to another caller: the placeholder's
   * life (`N`). Longer than the loader takes. Default 30.
   */
  readonly lease?: number;
  /**
   * Serve stale while one recomputes: when fewer than this many seconds of `ttl` are left, one caller
   * (`R`) refreshes the value while the others keep getting the current one. Below `ttl`. Default: no early refresh.
   */
  readonly recache?: number;
  /** Milliseconds a caller waits at most for another caller's value (not for its own loader). Default 10000. */
  readonly timeout?: number;
  /** Polling for another caller's value: first delay and cap in ms; each delay doubles. Default 10 and 500. */
  readonly poll?: { readonly initial?: number; readonly max?: number };
  /**
   * When `timeout` passes with no value: `'error'` (default) fails with `MemcacheTimeoutError`; `'load'`
   * runs the loader and returns its value without storing it (the win is still someone else's).
   */
  readonly onTimeout?: 'error' | 'load';
  /** Where waits are scheduled. Default `asyncScheduler`; tests pass a TestScheduler. */
  readonly scheduler?: SchedulerLike;
}

/** Options of `invalidate`. */
export interface InvalidateOptions {
  /** Seconds the stale value is still served while one caller recomputes it (`T`). Default: its current expiry. */
  readonly staleTtl?: number;
}

/** What getOrSet needs of a client. */
export type LeaseCommands<V> = Pick<MetaCommands<V>, 'metaGet' | 'metaSet' | 'metaDelete'>;

interface Plan {
  readonly ttl: number;
  readonly timeout: number;
  readonly initial: number;
  readonly max: number;
  readonly onTimeout: 'error' | 'load';
  readonly scheduler: SchedulerLike;
}

/**
 * The value of `key`, computed by `loader` by exactly one caller across all clients and processes when
 * it is missing or stale (see `StampedeCommands.getOrSet`).
 */
export function getOrSet<V>(client: LeaseCommands<V>, key: RoutedKey, loader: Loader<V>, options: GetOrSetOptions): Command<V> {
  let plan: Plan;
  try {
    plan = planOf(options);
  } catch (error) {
    return rejected(error);
  }
  const lease = options.lease ?? 30;
  const read = client.metaGet(key, { cas: true, vivify: lease, ...(options.recache === undefined ? {} : { recache: options.recache }) });
  const load = (): Observable<V> => loaded(loader);
  const flow = defer(() => {
    const deadline = plan.scheduler.now() + plan.timeout;
    const attempt = (n: number): Observable<V> =>
      read.pipe(
        mergeMap((item) => {
          if (item.won) return win(client, key, item, load(), plan.ttl);
          if (item.hit) return of(item.value as V);
          const left = deadline - plan.scheduler.now();
          if (left <= 0) return plan.onTimeout === 'load' ? load() : throwError(() => timedOut(key, plan.timeout));
          const wait = Math.min(plan.max, plan.initial * 2 ** n, left);
          return timer(wait, plan.scheduler).pipe(mergeMap(() => attempt(n + 1)));
        }),
      );
    return attempt(0);
  });
  return new Command<V>((sink) => flow.subscribe(sink));
}

/**
 * The winner computes and stores. It stores over the cas it read, so a value someone stored meanwhile
 * is not overwritten (the caller still gets its own value); over a stale item with `I` too, so a value
 * computed before a newer invalidation is stored still stale (memcached keeps it marked) rather than
 * passing for fresh. A loader that fails hands the win back before its error is delivered; so does a
 * caller that goes away while its loader runs (fire-and-forget: nobody is left to tell), so the other
 * callers do not wait out the lease. Once the value is there, its store goes ahead regardless.
 */
function win<V>(client: LeaseCommands<V>, key: RoutedKey, item: MetaGetResult<V>, value$: Observable<V>, ttl: number): Observable<V> {
  const cas = item.cas === undefined ? {} : { cas: item.cas, invalidate: item.stale };
  return new Observable<V>((subscriber) => {
    let loading = true;
    const loaded$ = value$.pipe(
      tap({ next: () => (loading = false), error: () => (loading = false) }),
      catchError((error: unknown) => concat(release(client, key, item), throwError(() => error))),
      mergeMap((value) => client.metaSet(key, value, { expire: ttl, ...cas }).pipe(map(() => value))),
    );
    const subscription = loaded$.subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      if (loading) release(client, key, item).subscribe();
    };
  });
}

/**
 * Gives the win back: an empty placeholder is deleted (the next caller creates its own and wins); an
 * item with a value is marked stale again, which re-arms its win while the value is still served. Only
 * over the cas read, so nothing stored meanwhile is touched. Its own failure is not the caller's concern.
 */
function release<V>(client: LeaseCommands<V>, key: RoutedKey, item: MetaGetResult<V>): Observable<never> {
  if (item.cas === undefined) return EMPTY;
  return client.metaDelete(key, { cas: item.cas, invalidate: item.hit }).pipe(
    ignoreElements(),
    catchError(() => EMPTY),
  );
}

function loaded<V>(loader: Loader<V>): Observable<V> {
  return defer(() => {
    const out = loader();
    if (isObservable(out)) return out;
    return isPromiseLike(out) ? from(out) : of(out);
  }).pipe(
    throwIfEmpty(() => new MemcacheIllegalInputError('the getOrSet loader completed without a value')),
    take(1),
  );
}

function isPromiseLike<V>(value: V | PromiseLike<V>): value is PromiseLike<V> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function timedOut(key: RoutedKey, timeout: number): MemcacheTimeoutError {
  const name = storedKey(key);
  const shown = typeof name === 'string' ? name : `<${name.length} bytes>`;
  return new MemcacheTimeoutError(`getOrSet(${shown}): another caller's value did not appear within ${timeout} ms`);
}

/** A memcached expiry (checked as every command checks one) that is at least `min`: negative ones expire at once. */
export function seconds(value: number, what: string, min: number): number {
  checkExpire(value, what);
  if (value < min) throw new MemcacheIllegalInputError(`${what} must be at least ${min} second(s), got ${value}`);
  return value;
}

function planOf(options: GetOrSetOptions): Plan {
  seconds(options.ttl, 'ttl', 0);
  // N0 would make a placeholder that never expires: a winner that dies would block the key for good.
  if (options.lease !== undefined) seconds(options.lease, 'lease', 1);
  if (options.recache !== undefined) seconds(options.recache, 'recache', 1);
  // A value stored with less life than `recache` is due for a refresh at once: every read would reload it.
  if (options.recache !== undefined && options.ttl > 0 && options.recache >= options.ttl) {
    throw new MemcacheIllegalInputError(`getOrSet recache (${options.recache} s) must be below ttl (${options.ttl} s)`);
  }
  const plan = {
    ttl: options.ttl,
    timeout: options.timeout ?? 10_000,
    initial: options.poll?.initial ?? 10,
    max: options.poll?.max ?? 500,
    onTimeout: options.onTimeout ?? 'error',
    scheduler: options.scheduler ?? asyncScheduler,
  };
  for (const [name, ms] of [['timeout', plan.timeout], ['poll.initial', plan.initial], ['poll.max', plan.max]] as const) {
    if (!Number.isFinite(ms) || ms < 0) throw new MemcacheIllegalInputError(`getOrSet ${name} must be a finite number of ms >= 0, got ${String(ms)}`);
  }
  if (plan.initial === 0) throw new MemcacheIllegalInputError('getOrSet poll.initial must be above 0 ms');
  if (plan.onTimeout !== 'error' && plan.onTimeout !== 'load') throw new MemcacheIllegalInputError(`getOrSet onTimeout must be 'error' or 'load', got ${String(plan.onTimeout)}`);
  return plan;
}
