import { Observable, map, of, timer, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands/spec.js';
import { MemcacheClusterError, MemcacheConnectionError, MemcacheTimeoutError, type CommandInfo, type Call, type Executor, type Sink } from '../src/index.js';
import { FallbackExecutor } from '../src/executor/fallback.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// FallbackExecutor over fake executors (plain objects, no servers, no connections): whom it asks, in
// which order, for which keys, and what it makes of misses, failures and an early unsubscribe.

type Hits = Map<string, string>;
const REQUEST = { name: 'fake', parts: [], reader: undefined };

const keyRead = (key: string): Call<string | undefined> => ({
  info: COMMANDS.get,
  keys: [key],
  request: REQUEST,
  miss: () => undefined,
  missed: (result) => result === undefined,
});
const write = (key: string): Call<boolean> => ({ info: COMMANDS.set, keys: [key], request: REQUEST });
const serverCall = (info: CommandInfo): Call<string> => ({ info, keys: [], request: REQUEST });

/** A batch read whose parts index their own keys, as real batch calls do. */
function batchRead(keys: readonly string[]): Call<Hits> {
  return {
    info: COMMANDS.getMany,
    keys,
    request: REQUEST,
    miss: () => new Map(),
    split: {
      part: (indexes) => batchRead(indexes.map((i) => keys[i] as string)),
      join: (parts) => new Map(parts.flatMap((p) => [...p])),
      missing: (result) => keys.flatMap((k, i) => (result.has(k) ? [] : [i])),
    },
  };
}

/** What a fake executor does with a call: its reply as an Observable, and whether a failure was unsent. */
interface Behaviour {
  readonly reply: (call: Pick<Call<unknown>, 'info' | 'keys'>) => Observable<unknown>;
  readonly unsent?: boolean;
}

interface Fake {
  readonly executor: Executor;
  /** Every call it was given: when (virtual ms) and for which keys. */
  readonly asked: Array<{ readonly at: number; readonly keys: readonly unknown[] }>;
  readonly lifecycle: string[];
}

function fake(scheduler: SchedulerLike, behaviour: Behaviour, load = { queued: 0, inFlight: 0 }): Fake {
  const asked: Fake['asked'] = [];
  const lifecycle: string[] = [];
  const run = <T>(call: Pick<Call<unknown>, 'info' | 'keys'>, sink: Sink<T>) => {
    asked.push({ at: scheduler.now(), keys: call.keys });
    const subscription = (behaviour.reply(call) as Observable<T>).subscribe({
      next: (value) => sink.next(value),
      error: (error: unknown) => {
        if (behaviour.unsent === true) sink.unsent?.();
        sink.error(error);
      },
      complete: () => sink.complete(),
    });
    return () => subscription.unsubscribe();
  };
  const executor: Executor = {
    execute: (call, sink) => run(call, sink),
    broadcast: (call, sink) => run(call, sink),
    load,
    quit: () => (lifecycle.push('quit'), Promise.resolve()),
    close: () => (lifecycle.push('close'), Promise.resolve()),
    destroy: (error) => void lifecycle.push(`destroy:${error?.message ?? ''}`),
  };
  return { executor, asked, lifecycle };
}

/** After `delay` virtual ms, or at once without one. */
const after = (delay: number | undefined): Observable<unknown> => (delay === undefined ? of(0) : timer(delay));

/** Answers key reads from a store; batch reads with the hits among their keys. */
const holding = (store: Record<string, string>, delay?: number): Behaviour => ({
  reply: (call) => after(delay).pipe(map(() => (call.info.scope === 'keys' ? hitsOf(store, call.keys as string[]) : store[call.keys[0] as string]))),
});
const hitsOf = (store: Record<string, string>, keys: readonly string[]): Hits => new Map(keys.flatMap((k) => (store[k] === undefined ? [] : [[k, store[k]] as const])));
const failing = (error: Error, options: { unsent?: boolean; delay?: number } = {}): Behaviour => ({
  reply: () => after(options.delay).pipe(map(() => { throw error; })),
  ...(options.unsent === undefined ? {} : { unsent: options.unsent }),
});
const answering = (value: unknown): Behaviour => ({ reply: () => of(value) });

const over = (...fakes: Fake[]): FallbackExecutor => new FallbackExecutor(fakes.map((f) => f.executor) as [Executor, ...Executor[]]);
const executing = <T>(executor: Executor, call: Call<T>): Observable<T> => new Observable<T>((s) => executor.execute(call, s));
const broadcasting = <T>(executor: Executor, call: Call<T>): Observable<Map<string, T>> => new Observable((s) => executor.broadcast(call, s));

/** Runs a call with synchronous fakes and records what its sink was told, `unsent` included. */
function told<T>(executor: Executor, call: Call<T>): unknown[] {
  const events: unknown[] = [];
  executor.execute(call, {
    next: (value) => events.push(value),
    error: (error: unknown) => events.push(error),
    complete: () => events.push('complete'),
    unsent: () => events.push('unsent'),
  });
  return events;
}

const down = new MemcacheConnectionError('first cluster down');
const slow = new MemcacheTimeoutError('old cluster slow');

describe('FallbackExecutor: one-key reads', () => {
  it('asks each executor only after the previous one missed, and stops at the first hit', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const a = fake(scheduler, holding({}, 2));
      const b = fake(scheduler, holding({ k: 'from b' }, 3));
      const c = fake(scheduler, holding({ k: 'from c' }, 1));
      expectObservable(executing(over(a, b, c), keyRead('k'))).toBe('-----(x|)', { x: 'from b' });
      scheduler.flush();
      expect([a.asked, b.asked, c.asked]).toEqual([[{ at: 0, keys: ['k'] }], [{ at: 2, keys: ['k'] }], []]);
    });
  });

  it('a hit on the first is returned without asking the others; all missing is a miss', () => {
    const [a, b] = [fake(createTestScheduler(), answering('first')), fake(createTestScheduler(), answering('second'))];
    expect(told(over(a, b), keyRead('k'))).toEqual(['first', 'complete']);
    expect(b.asked).toEqual([]);
    const misses = [fake(createTestScheduler(), answering(undefined)), fake(createTestScheduler(), answering(undefined))];
    expect(told(over(...misses), keyRead('k'))).toEqual([undefined, 'complete']);
  });

  it('a failure is not a miss: it asks the next, and when nobody hits the first failure is the outcome', () => {
    const s = createTestScheduler();
    expect(told(over(fake(s, failing(down)), fake(s, answering('old'))), keyRead('k'))).toEqual(['old', 'complete']);
    expect(told(over(fake(s, failing(down)), fake(s, answering(undefined)), fake(s, failing(slow))), keyRead('k'))).toEqual([down]);
    expect(told(over(fake(s, answering(undefined)), fake(s, failing(slow))), keyRead('k'))).toEqual([slow]);
  });

  it('a failed read is unsent only when every executor refused it before writing', () => {
    const s = createTestScheduler();
    const refused = (): Fake => fake(s, failing(down, { unsent: true }));
    expect(told(over(refused(), refused()), keyRead('k'))).toEqual(['unsent', down]);
    expect(told(over(refused(), fake(s, failing(slow))), keyRead('k'))).toEqual([down]);
    expect(told(over(refused(), fake(s, answering(undefined)), refused()), keyRead('k'))).toEqual([down]);
  });

  it('unsubscribing while the second executor is asked cancels it and never asks the third', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold<unknown>('--(m|)', { m: undefined });
      const second = cold<unknown>('----(h|)', { h: 'late' });
      const third = cold<unknown>('(h|)', { h: 'never' });
      const executor = over(...[first, second, third].map((reply) => fake(scheduler, { reply: () => reply })));
      expectObservable(executing(executor, keyRead('k')), '^---!').toBe('');
      expectSubscriptions(first.subscriptions).toBe('^-!');
      expectSubscriptions(second.subscriptions).toBe('--^-!');
      expectSubscriptions(third.subscriptions).toBe([]);
    });
  });
});

describe('FallbackExecutor: writes', () => {
  it('go to the first executor only, with its own answer or its own failure (unsent passed on)', () => {
    const s = createTestScheduler();
    const [a, b] = [fake(s, answering(false)), fake(s, answering(true))];
    expect(told(over(a, b), write('k'))).toEqual([false, 'complete']);
    expect([a.asked.length, b.asked.length]).toEqual([1, 0]);
    const refused = fake(s, failing(down, { unsent: true }));
    const spare = fake(s, answering(true));
    expect(told(over(refused, spare), write('k'))).toEqual(['unsent', down]);
    expect(spare.asked).toEqual([]);
  });
});

describe('FallbackExecutor: batch reads', () => {
  it('asks each next executor only for the keys still missing, mapping a part’s indexes back to the call’s keys', () => {
    const s = createTestScheduler();
    const a = fake(s, holding({ a: 'A1', c: 'C1' }));
    const b = fake(s, holding({ d: 'D2', a: 'A2' }));
    const c = fake(s, holding({ b: 'B3', d: 'D3' }));
    const [result] = told(over(a, b, c), batchRead(['a', 'b', 'c', 'd', 'e']));
    expect(result).toEqual(new Map([['a', 'A1'], ['c', 'C1'], ['d', 'D2'], ['b', 'B3']]));
    expect([a.asked, b.asked, c.asked].map((asked) => asked.map((x) => x.keys))).toEqual([[['a', 'b', 'c', 'd', 'e']], [['b', 'd', 'e']], [['b', 'e']]]);
  });

  it('stops once every key has a hit', () => {
    const s = createTestScheduler();
    const [a, b] = [fake(s, holding({ a: '1' })), fake(s, holding({ b: '2' }))];
    expect(told(over(a, b), batchRead(['a']))).toEqual([new Map([['a', '1']]), 'complete']);
    expect(b.asked).toEqual([]);
  });

  it('keys unanswered because an executor failed fail the read with their names and the hits; true misses do not', () => {
    const s = createTestScheduler();
    const [error] = told(over(fake(s, failing(down)), fake(s, holding({ a: 'old' }))), batchRead(['a', 'x']));
    expect(error).toBeInstanceOf(MemcacheClusterError);
    expect(error).toMatchObject({ failedKeys: ['x'], partial: new Map([['a', 'old']]), cause: down });
    expect(told(over(fake(s, holding({})), fake(s, failing(down))), batchRead(['a'])).length).toBe(1);
  });

  it('a cluster’s partial answer counts as hits; only the keys on its failed servers count as failed', () => {
    const s = createTestScheduler();
    const partly = new MemcacheClusterError('one server failed', ['b'], new Map([['a', 'new']]), { cause: down });
    const a = fake(s, failing(partly));
    const b = fake(s, holding({ a: 'stale', c: 'old' }));
    const [error] = told(over(a, b), batchRead(['a', 'b', 'c', 'd']));
    expect(b.asked.map((x) => x.keys)).toEqual([['b', 'c', 'd']]);
    expect(error).toMatchObject({ failedKeys: ['b'], partial: new Map([['a', 'new'], ['c', 'old']]), cause: partly });
  });
});

describe('FallbackExecutor: server-wide commands and lifecycle', () => {
  it('stats and version ask every executor at once and merge the maps, the first keeping a clashing name', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const a = fake(scheduler, { reply: () => timer(3).pipe(map(() => new Map([['s1', '1.6.18'], ['same', 'a']]))) });
      const b = fake(scheduler, { reply: () => timer(1).pipe(map(() => new Map([['s2', '1.6.9'], ['same', 'b']]))) });
      const merged = new Map([['s1', '1.6.18'], ['same', 'a'], ['s2', '1.6.9']]);
      expectObservable(broadcasting(over(a, b), serverCall(COMMANDS.version))).toBe('---(x|)', { x: merged });
      scheduler.flush();
      expect([a.asked, b.asked].map((asked) => asked.map((x) => x.at))).toEqual([[0], [0]]);
    });
  });

  it('a failed executor fails a server-wide read with what the others answered', () => {
    const s = createTestScheduler();
    const events: unknown[] = [];
    over(fake(s, failing(down)), fake(s, answering(new Map([['s2', {}]])))).broadcast(serverCall(COMMANDS.stats), { next: (v) => events.push(v), error: (e: unknown) => events.push(e), complete: () => events.push('complete') });
    expect(events).toEqual([expect.any(MemcacheClusterError)]);
    expect(events[0]).toMatchObject({ partial: new Map([['s2', {}]]), cause: down });
  });

  it('a server-wide write reaches every executor (a flush must empty the old cluster too); one aimed at a key goes to the first only', () => {
    const s = createTestScheduler();
    const [a, b] = [fake(s, answering(new Map([['s1', true]]))), fake(s, answering(new Map([['s2', true]])))];
    const events: unknown[] = [];
    const sink: Sink<Map<string, string>> = { next: (v) => events.push(v), error: (e: unknown) => events.push(e), complete: () => events.push('complete') };
    over(a, b).broadcast(serverCall(COMMANDS.flushAll), sink);
    s.flush();
    expect(events).toEqual([new Map([['s1', true], ['s2', true]]), 'complete']);
    events.splice(0);
    over(a, b).broadcast({ ...serverCall(COMMANDS.raw), keys: ['k'] }, sink);
    s.flush();
    expect(events).toEqual([new Map([['s1', true]]), 'complete']);
    expect(b.asked.length).toBe(1);
  });

  it('load is the sum; quit, close and destroy reach every executor', async () => {
    const s = createTestScheduler();
    const a = fake(s, answering(undefined), { queued: 1, inFlight: 2 });
    const b = fake(s, answering(undefined), { queued: 3, inFlight: 4 });
    const executor = over(a, b);
    expect(executor.load).toEqual({ queued: 4, inFlight: 6 });
    await executor.quit();
    await executor.close();
    executor.destroy(down);
    expect([a.lifecycle, b.lifecycle]).toEqual([['quit', 'close', 'destroy:first cluster down'], ['quit', 'close', 'destroy:first cluster down']]);
  });
});
