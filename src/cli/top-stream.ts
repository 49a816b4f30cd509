import { catchError, combineLatest, exhaustMap, map, of, scan, timer, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { ServerHealth } from '../index.js';
import { LABELS, topModel, type Sample, type Stats, type TopModel } from './top-model.js';

/** What `top` watches: a way to poll every live server's stats, and the cluster's health. */
export interface TopSource {
  /** One poll: the stats of the servers that answered (a failed server is simply absent). Must not error. */
  readonly stats: () => Observable<ReadonlyMap<string, Stats>>;
  readonly health$: Observable<ReadonlyMap<string, ServerHealth>>;
}

/**
 * `top`'s clock and state: polls `stats` at once and then every `interval` ms on `scheduler` (a poll
 * still running when the next is due is not doubled up), keeps the previous sample for the rates, and
 * emits a model on every poll and on every health change, so a server going down shows at once.
 *
 * @example
 * ```ts
 * topModels({ stats: () => pollStats(cluster), health$: cluster.health$ }, 1000, asyncScheduler).subscribe(draw);
 * ```
 */
export function topModels(source: TopSource, interval: number, scheduler: SchedulerLike): Observable<TopModel> {
  const samples$ = timer(0, interval, scheduler).pipe(
    exhaustMap(() =>
      source.stats().pipe(
        // A poll that errors anyway shows every server without numbers, rather than ending `top`.
        catchError(() => of(new Map<string, Stats>())),
        map((stats): Sample => ({ at: scheduler.now(), stats })),
      ),
    ),
    scan((pair: { prev: Sample | undefined; curr: Sample | undefined }, sample) => ({ prev: pair.curr, curr: sample }), { prev: undefined, curr: undefined }),
  );
  return combineLatest([samples$, source.health$.pipe(steadySince())]).pipe(
    map(([{ prev, curr }, health]) => topModel(prev, curr ?? { at: scheduler.now(), stats: new Map() }, health, scheduler.now())),
  );
}

/**
 * Keeps each server's `since` from when its shown health began. A dead server's failed probe emits
 * `dead` again with a new `since` (every `deadTimeout`), which would make "down for" restart at 0s;
 * a server that stays down should read as down since it went down.
 */
export function steadySince(): OperatorFunction<ReadonlyMap<string, ServerHealth>, ReadonlyMap<string, ServerHealth>> {
  return scan((shown: ReadonlyMap<string, ServerHealth>, health) => {
    const out = new Map<string, ServerHealth>();
    for (const [name, h] of health) {
      const before = shown.get(name);
      out.set(name, before !== undefined && LABELS[before.state] === LABELS[h.state] ? { ...h, since: before.since } : h);
    }
    return out;
  }, new Map<string, ServerHealth>());
}
