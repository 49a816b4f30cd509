import { concatMap, from, takeWhile, type TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import { MemcacheClusterError } from '../errors.js';
import { attempt, type Attempt } from './attempt.js';
import type { Call, Split } from './call.js';
import type { Executor } from './executor.js';

/**
 * How a read asked of several executors in turn is answered: what to ask the next one, what its
 * attempt settled, and the outcome once nobody is left to ask. One per subscription.
 *
 * @example
 * ```ts
 * const gathering: Gathering<string | undefined> = new FirstHit(call, (v) => v === undefined);
 * ```
 */
export interface Gathering<T> {
  /** The call for the next executor (built when it is asked, after the previous one has answered). */
  next(): Call<T>;
  /** Takes one executor's outcome; true while the next executor should be asked. */
  take(outcome: Attempt<T>): boolean;
  /** Settles the sink with what was gathered. */
  settle(sink: Sink<T>): void;
}

/**
 * Asks the executors one after another, each only once the previous one has answered and only while
 * the gathering wants more; unsubscribing cancels the executor being asked, and the rest are never asked.
 *
 * @example
 * ```ts
 * return askInTurn([newCluster, oldCluster], new FirstHit(call, missed), sink);
 * ```
 */
export function askInTurn<T>(executors: readonly Executor[], gathering: Gathering<T>, sink: Sink<T>): TeardownLogic {
  return from(executors)
    .pipe(
      concatMap((executor) => attempt<T>((s) => executor.execute(gathering.next(), s))),
      takeWhile((outcome) => gathering.take(outcome)),
    )
    .subscribe({ complete: () => gathering.settle(sink), error: (error: unknown) => sink.error(error) });
}

/** Reads failed and surely never written anywhere: only then may the whole read count as unsent. */
class Failures {
  readonly errors: unknown[] = [];
  private written = false;

  note(outcome: Attempt<unknown>): void {
    if (outcome.ok || !outcome.unsent) this.written = true;
    if (!outcome.ok) this.errors.push(outcome.error);
  }

  /** Fails the sink with `error`, telling it first when nothing was written. */
  fail(sink: Sink<unknown>, error: unknown): void {
    if (!this.written) sink.unsent?.();
    sink.error(error);
  }
}

/**
 * A one-key read: the first hit. A miss or a failure asks the next; when nobody hit, a failure (the
 * first) wins over the misses, because the failed executor might have had the key.
 *
 * @example
 * ```ts
 * askInTurn(executors, new FirstHit(call, call.missed ?? (() => false)), sink);
 * ```
 */
export class FirstHit<T> implements Gathering<T> {
  private readonly failures = new Failures();
  private answer: { readonly value: T; readonly hit: boolean } | undefined;

  constructor(
    private readonly call: Call<T>,
    private readonly missed: (result: T) => boolean,
  ) {}

  next(): Call<T> {
    return this.call;
  }

  take(outcome: Attempt<T>): boolean {
    this.failures.note(outcome);
    if (!outcome.ok) return true;
    this.answer = { value: outcome.value, hit: !this.missed(outcome.value) };
    return !this.answer.hit;
  }

  settle(sink: Sink<T>): void {
    const { answer, failures } = this;
    if (answer !== undefined && (answer.hit || failures.errors.length === 0)) {
      sink.next(answer.value);
      sink.complete();
    } else failures.fail(sink, failures.errors[0]);
  }
}

/**
 * A batch read: the first executor is asked for every key, each next one only for the keys still
 * without a hit, and the hits are joined. A key nobody hit counts as failed when some executor that
 * was asked for it failed; then the read fails with a `MemcacheClusterError` carrying the hits.
 *
 * @example
 * ```ts
 * if (call.split?.missing !== undefined) askInTurn(executors, new BatchHits(call, call.split), sink);
 * ```
 */
export class BatchHits<T> implements Gathering<T> {
  private readonly failures = new Failures();
  private readonly hits: T[] = [];
  /** Indexes into the original call's keys still without a hit; also what the current part asks for. */
  private remaining: number[];
  private readonly failed = new Set<number>();
  /** The call being asked: the whole call first, then parts. */
  private current: Call<T> | undefined;

  constructor(
    private readonly call: Call<T>,
    private readonly split: Split<T>,
  ) {
    this.remaining = call.keys.map((_, i) => i);
  }

  next(): Call<T> {
    this.current = this.current === undefined ? this.call : this.split.part(this.remaining);
    return this.current;
  }

  take(outcome: Attempt<T>): boolean {
    this.failures.note(outcome);
    if (outcome.ok) this.answered(outcome.value);
    else if (outcome.error instanceof MemcacheClusterError) {
      // Part of a cluster answered: keep its hits (newer than the next executor's), retry the rest.
      const unanswered = new Set(outcome.error.failedKeys);
      this.answered(outcome.error.partial as T);
      for (const i of this.remaining) if (unanswered.has(this.call.keys[i])) this.failed.add(i);
    } else for (const i of this.remaining) this.failed.add(i);
    return this.remaining.length > 0;
  }

  settle(sink: Sink<T>): void {
    const result = this.split.join(this.hits);
    const failedKeys = this.remaining.filter((i) => this.failed.has(i)).map((i) => this.call.keys[i]);
    if (failedKeys.length === 0) {
      sink.next(result);
      sink.complete();
      return;
    }
    const error = new MemcacheClusterError(`${failedKeys.length} key(s) unanswered: a client failed`, failedKeys, result, { cause: this.failures.errors[0] });
    this.failures.fail(sink, error);
  }

  /** Only the part knows its keys, and its missing indexes are relative to them: map them back to the call's. */
  private answered(result: T): void {
    this.hits.push(result);
    const part = this.remaining;
    const missing = this.current?.split?.missing?.(result) ?? [];
    this.remaining = missing.map((j) => part[j] as number);
  }
}
