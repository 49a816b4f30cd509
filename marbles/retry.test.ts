import { Observable, throwError, type TeardownLogic } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands/spec.js';
import { RetryExecutor } from '../src/executor/retry.js';
import type { RetryOptions } from '../src/executor/retry-policy.js';
import {
  MemcacheClosedError,
  MemcacheConnectionError,
  MemcacheError,
  MemcacheIllegalInputError,
  MemcachePoolTimeoutError,
  MemcacheServerError,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
  type Call,
  type CommandInfo,
  type Executor,
  type Sink,
} from '../src/index.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// RetryExecutor over a fake inner executor (no server, no bytes): which failures are tried again, when,
// and what unsubscribing and closing do to the tries.

const lost = new MemcacheConnectionError('connection lost');
const timedOut = new MemcacheTimeoutError('no reply within 100 ms');

/** A call of this kind; the fake inner executor never reads its request. */
const call = (info: CommandInfo): Call<unknown> => ({ info, keys: ['k'], request: { name: info.name, parts: [], reader: undefined } });

/**
 * A fake inner executor: its n-th run plays `tries[n]`, and the runs listed in `unsent` tell the sink
 * `unsent()` before they fail (the request never left the process).
 */
function fakeInner(tries: ReadonlyArray<Observable<unknown>>, unsent: readonly number[] = []): Executor {
  let runs = 0;
  const start = (sink: Sink<unknown>): TeardownLogic => {
    const n = runs++;
    return (tries[n] ?? throwError(() => new Error(`unexpected try ${n + 1}`))).subscribe({
      next: (value) => sink.next(value),
      error: (error: unknown) => {
        if (unsent.includes(n)) sink.unsent?.();
        sink.error(error);
      },
      complete: () => sink.complete(),
    });
  };
  return {
    execute: (_call, sink) => start(sink as Sink<unknown>),
    broadcast: (_call, sink) => start(sink as Sink<unknown>),
    load: { queued: 0, inFlight: 0 },
    quit: () => Promise.resolve(),
    close: () => Promise.resolve(),
    destroy: () => undefined,
  };
}

const run$ = (executor: Executor, info: CommandInfo): Observable<unknown> => new Observable((s) => executor.execute(call(info), s));

describe('RetryExecutor: attempts and delays', () => {
  it('3 attempts, 10 ms apart in virtual time: a read that fails twice answers on the third try', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tries = [cold('--#', undefined, lost), cold('--#', undefined, timedOut), cold('--(v|)', { v: 'V' })];
      const retrying = new RetryExecutor(fakeInner(tries), { attempts: 3, retryDelay: 10, scheduler });
      expectObservable(run$(retrying, COMMANDS.get)).toBe('-- 10ms -- 10ms --(v|)', { v: 'V' });
      tries.forEach((t, i) => expectSubscriptions(t.subscriptions).toBe(['^-!', '12ms ^-!', '24ms ^-!'][i] ?? []));
    });
  });

  it('fails with the last error once the attempts are spent (default 2, no delay)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tries = [cold('--#', undefined, lost), cold('---#', undefined, timedOut), cold('(v|)', { v: 'V' })];
      expectObservable(run$(new RetryExecutor(fakeInner(tries)), COMMANDS.get)).toBe('-----#', undefined, timedOut);
      tries.forEach((t, i) => expectSubscriptions(t.subscriptions).toBe(['^-!', '--^--!', []][i] ?? []));
    });
  });

  it('a retryDelay function gets the failed try (from 1) and its error: a backoff', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tries = [cold('-#', undefined, lost), cold('-#', undefined, timedOut), cold('-(v|)', { v: 'V' })];
      const asked: Array<[number, unknown]> = [];
      const retryDelay = (attempt: number, error: unknown): number => (asked.push([attempt, error]), 10 * 2 ** (attempt - 1));
      expectObservable(run$(new RetryExecutor(fakeInner(tries), { attempts: 3, retryDelay }), COMMANDS.get)).toBe('- 10ms - 20ms -(v|)', { v: 'V' });
      tries.forEach((t, i) => expectSubscriptions(t.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!'][i] ?? []));
      scheduler.flush();
      expect(asked).toEqual([[1, lost], [2, timedOut]]);
    });
  });

  it('broadcast (every-server commands) is retried too', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const stats = new Map([['a:1', {}]]);
      const tries = [cold('-#', undefined, lost), cold('-(s|)', { s: stats })];
      const retrying = new RetryExecutor(fakeInner(tries), { retryDelay: 5 });
      const broadcast$ = new Observable((s) => retrying.broadcast(call(COMMANDS.stats), s));
      expectObservable(broadcast$).toBe('- 5ms -(s|)', { s: stats });
    });
  });
});

describe('RetryExecutor: which failures are retried', () => {
  /** Whether a read failing with `error` is tried again under `options`. */
  function retried(error: unknown, options: RetryOptions = {}, info: CommandInfo = COMMANDS.get, unsent: number[] = []): boolean {
    const scheduler = createTestScheduler();
    let tries = 0;
    scheduler.run(({ cold }) => {
      const second = cold('-(v|)', { v: 'V' });
      new RetryExecutor(fakeInner([cold('-#', undefined, error), second], unsent), options).execute(call(info), { next: () => undefined, error: () => undefined, complete: () => undefined });
      scheduler.flush();
      tries = 1 + second.subscriptions.length;
    });
    return tries === 2;
  }

  it.each([
    ['a lost connection', true, lost, {}],
    ['bad input, even with retryFor: [MemcacheError]', false, new MemcacheIllegalInputError('bad key'), { retryFor: [MemcacheError] }],
    ['a closed client, even with retryFor: [MemcacheError]', false, new MemcacheClosedError('closed'), { retryFor: [MemcacheError] }],
    ['an error in retryFor', true, timedOut, { retryFor: [MemcacheTimeoutError] }],
    ['a subclass of an error in retryFor', true, new MemcachePoolTimeoutError('waited'), { retryFor: [MemcacheTimeoutError] }],
    ['an error outside retryFor', false, lost, { retryFor: [MemcacheTimeoutError] }],
    ['anything under retryFor: []', false, lost, { retryFor: [] }],
    ['a subclass of an error in doNotRetryFor', false, new MemcacheUnexpectedCloseError('closed by server'), { doNotRetryFor: [MemcacheServerError] }],
    ['an error outside doNotRetryFor', true, lost, { doNotRetryFor: [MemcacheServerError] }],
    ['a plain Error (not ours)', true, new TypeError('boom'), {}],
  ] as const)('a read failing with %s: retried = %s', (_what, expected, error, options) => {
    expect(retried(error, options)).toBe(expected);
  });

  it.each(['incr', 'decr', 'append', 'prepend', 'cas', 'set', 'add', 'delete', 'setMany', 'shutdown'] as const)(
    '%s that may have reached the server is not retried; unsent, it is; with retryWrites: true, it is',
    (name) => {
      expect(retried(lost, {}, COMMANDS[name])).toBe(false);
      expect(retried(lost, {}, COMMANDS[name], [0])).toBe(true);
      expect(retried(lost, { retryWrites: true }, COMMANDS[name])).toBe(true);
      // Bad input stays final whatever the options.
      expect(retried(new MemcacheIllegalInputError('bad'), { retryWrites: true }, COMMANDS[name], [0])).toBe(false);
    },
  );

  it('tells its caller unsent only when no try may have reached the server', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold }) => {
      const outcome = (unsent: number[]): string[] => {
        const seen: string[] = [];
        const tries = [cold('-#', undefined, lost), cold('-#', undefined, lost)];
        new RetryExecutor(fakeInner(tries, unsent), { retryWrites: true }).execute(call(COMMANDS.incr), {
          next: () => seen.push('next'),
          error: () => seen.push('error'),
          complete: () => seen.push('complete'),
          unsent: () => seen.push('unsent'),
        });
        scheduler.flush();
        return seen;
      };
      expect(outcome([0, 1])).toEqual(['unsent', 'error']);
      expect(outcome([1])).toEqual(['error']);
      expect(outcome([0])).toEqual(['error']);
    });
  });
});

describe('RetryExecutor: stopping', () => {
  it('unsubscribing while waiting for the next try: it is never made', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tries = [cold('--#', undefined, lost), cold('--(v|)', { v: 'V' })];
      expectObservable(run$(new RetryExecutor(fakeInner(tries), { retryDelay: 10 }), COMMANDS.get), '^-----!').toBe('');
      tries.forEach((t, i) => expectSubscriptions(t.subscriptions).toBe(['^-!', []][i] ?? []));
    });
  });

  it('unsubscribing during a try cancels it, and no try follows', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tries = [cold('--#', undefined, lost), cold('-----(v|)', { v: 'V' }), cold('(v|)', { v: 'V' })];
      expectObservable(run$(new RetryExecutor(fakeInner(tries), { attempts: 3, retryDelay: 10 }), COMMANDS.get), '^ 13ms !').toBe('');
      tries.forEach((t, i) => expectSubscriptions(t.subscriptions).toBe(['^-!', '12ms ^-!', []][i] ?? []));
    });
  });

  it.each(['close', 'destroy'] as const)('%s(): a command waiting for its next try fails at once with its last error', (how) => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const tries = [cold('--#', undefined, lost), cold('(v|)', { v: 'V' })];
      const retrying = new RetryExecutor(fakeInner(tries), { retryDelay: 100 });
      expectObservable(run$(retrying, COMMANDS.get)).toBe('-----#', undefined, lost);
      scheduler.schedule(() => void (how === 'close' ? retrying.close() : retrying.destroy()), 5);
      tries.forEach((t, i) => expectSubscriptions(t.subscriptions).toBe(['^-!', []][i] ?? []));
    });
  });
});

describe('RetryExecutor: options are checked at construction', () => {
  class NotAnError {}
  it.each([
    ['attempts: 0', { attempts: 0 }],
    ['attempts: 1.5', { attempts: 1.5 }],
    ['attempts: NaN', { attempts: Number.NaN }],
    ['attempts: Infinity', { attempts: Number.POSITIVE_INFINITY }],
    ['retryDelay: -1', { retryDelay: -1 }],
    ['retryDelay: NaN', { retryDelay: Number.NaN }],
    ['retryDelay: Infinity', { retryDelay: Number.POSITIVE_INFINITY }],
    ['retryFor and doNotRetryFor', { retryFor: [MemcacheTimeoutError], doNotRetryFor: [MemcacheServerError] }],
    ['a string in retryFor', { retryFor: ['MemcacheTimeoutError'] }],
    ['an instance in doNotRetryFor', { doNotRetryFor: [lost] }],
    ['a class that is not an Error', { retryFor: [NotAnError] }],
    ['an arrow function', { doNotRetryFor: [() => lost] }],
  ])('%s → MemcacheIllegalInputError', (_what, options) => {
    expect(() => new RetryExecutor(fakeInner([]), options as RetryOptions)).toThrow(MemcacheIllegalInputError);
  });

  it('a retryDelay function answering a bad delay fails the command with MemcacheIllegalInputError (cause: the error)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const retrying = new RetryExecutor(fakeInner([cold('-#', undefined, lost)]), { retryDelay: () => -5 });
      const error = new MemcacheIllegalInputError('retryDelay(1) returned -5, not a finite number of milliseconds ≥ 0');
      expectObservable(run$(retrying, COMMANDS.get)).toBe('-#', undefined, error);
    });
  });
});
