import { forkJoin, type TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import { MemcacheClusterError, type MemcacheError } from '../errors.js';
import { attempt, type Attempt } from './attempt.js';
import type { Call } from './call.js';
import type { Executor, Load } from './executor.js';
import { askInTurn, BatchHits, FirstHit } from './fallback-reads.js';

/**
 * Several executors as one, for moving from an old cluster to a new one (`[new, old]`): reads ask each
 * in turn until one hits, writes go to the first only.
 *
 * - A one-key read returns the first hit; a miss or a failure asks the next. When nobody hit, the read
 *   fails with the first error if any executor failed (a failure is not a miss), else it is a miss.
 * - A batch read asks the first for every key and each next one only for the keys still missing, and
 *   joins the hits. Keys unanswered because an executor failed fail the read with a
 *   `MemcacheClusterError` carrying the hits; a cluster's partial answer counts as hits.
 * - Server-wide commands (`stats`, `version`, `flushAll`, `cacheMemlimit`, `rawCommand`) reach every
 *   executor at once and the maps merge (on a name clash, the first executor's entry wins); one aimed
 *   at a key's server (`rawCommand(line, { key })`) goes to the first only.
 * - `load` is the sum; `quit`, `close` and `destroy` reach every executor.
 *
 * @example
 * ```ts
 * const executor = new FallbackExecutor([newCluster.executor, oldCluster.executor]);
 * ```
 */
export class FallbackExecutor implements Executor {
  private readonly first: Executor;

  constructor(private readonly executors: readonly [Executor, ...Executor[]]) {
    this.first = executors[0];
  }

  get load(): Load {
    let queued = 0;
    let inFlight = 0;
    for (const { load } of this.executors) {
      queued += load.queued;
      inFlight += load.inFlight;
    }
    return { queued, inFlight };
  }

  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic {
    // A write's true result comes from the one place it was written; its sink (and unsent) pass through.
    if (!call.info.read) return this.first.execute(call, sink);
    if (call.split?.missing !== undefined) return askInTurn(this.executors, new BatchHits(call, call.split), sink);
    return askInTurn(this.executors, new FirstHit(call, call.missed ?? never), sink);
  }

  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic {
    // A command aimed at one key's server is a command for the first client's; the others reach every
    // server: a flush must empty the old cluster too, or reads would fall through to what it still holds.
    if (call.keys.length > 0) return this.first.broadcast(call, sink);
    const all = this.executors.map((executor) => attempt<Map<string, T>>((s) => executor.broadcast(call, s)));
    return forkJoin(all).subscribe({ next: (outcomes) => settleMerged(outcomes, sink), error: (error: unknown) => sink.error(error) });
  }

  quit(): Promise<void> {
    return every(this.executors.map((executor) => executor.quit()));
  }

  close(): Promise<void> {
    return every(this.executors.map((executor) => executor.close()));
  }

  destroy(error?: MemcacheError): void {
    for (const executor of this.executors) executor.destroy(error);
  }
}

/** A read without a way to tell a miss: its answer is a hit. */
const never = (): boolean => false;

/**
 * Every executor's map in one, the earlier executor's entry kept on a name clash. A failed executor
 * fails the whole with a `MemcacheClusterError` carrying the merged maps; it names the failed servers
 * that a cluster's own error names.
 */
function settleMerged<T>(outcomes: ReadonlyArray<Attempt<Map<string, T>>>, sink: Sink<Map<string, T>>): void {
  const merged = new Map<string, T>();
  const errors: unknown[] = [];
  const failedServers: unknown[] = [];
  const add = (map: ReadonlyMap<string, T>): void => {
    for (const [name, value] of map) if (!merged.has(name)) merged.set(name, value);
  };
  for (const outcome of outcomes) {
    if (outcome.ok) add(outcome.value);
    else {
      errors.push(outcome.error);
      if (outcome.error instanceof MemcacheClusterError) {
        add(outcome.error.partial as Map<string, T>);
        failedServers.push(...outcome.error.failedKeys);
      }
    }
  }
  if (errors.length === 0) {
    sink.next(merged);
    sink.complete();
    return;
  }
  if (outcomes.every((o) => !o.ok && o.unsent)) sink.unsent?.();
  sink.error(new MemcacheClusterError(`${errors.length} client(s) failed`, failedServers, merged, { cause: errors[0] }));
}

/** Waits for every promise, then rejects with the first rejection if any (so nothing is left closing). */
function every(promises: ReadonlyArray<Promise<void>>): Promise<void> {
  return Promise.allSettled(promises).then((results) => {
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason as unknown;
  });
}
