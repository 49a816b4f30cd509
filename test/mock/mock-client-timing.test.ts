import { switchMap, timer, VirtualTimeScheduler } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { MemcacheClosedError } from '../../src/index.js';
import { MockMemcacheClient } from '../../src/mock/mock-client.js';
import { only } from '../support/only.js';
import { START } from './virtual-clock.js';

// Time and order on the mock: expiry follows the injected scheduler's clock (memcached's rules, in whole
// seconds), and commands settle synchronously, those issued from callbacks queued behind the callback.

/** A mock on a virtual clock at START (a realistic Unix time), and a way to move that clock. */
function onVirtualClock(): { mock: MockMemcacheClient; advance: (seconds: number) => void } {
  const scheduler = new VirtualTimeScheduler();
  scheduler.frame = START * 1000;
  return { mock: new MockMemcacheClient({ scheduler }), advance: (seconds) => (scheduler.frame += Math.round(seconds * 1000)) };
}

describe('expiry on an injected scheduler', () => {
  it.each([
    // expire, alive at (seconds after the set), gone at
    [10, 9.999, 10],
    [2_592_000, 2_591_999, 2_592_000], // 30 days: still relative
    [START + 100, 99, 100], // above 30 days: a Unix time
  ])('expire %i: alive at +%ss, gone at +%ss', async (expire, aliveAt, goneAt) => {
    const { mock, advance } = onVirtualClock();
    await mock.set('k', 'v', { expire });
    advance(aliveAt);
    expect(await mock.get('k')).toBe('v');
    advance(goneAt - aliveAt);
    expect(await mock.get('k')).toBeUndefined();
    expect(only(await mock.stats())).toMatchObject({ get_expired: 1, curr_items: 0 });
  });

  it.each([-1, 2_592_001, START - 1])('expire %i (negative, or a Unix time past) is expired at once', async (expire) => {
    const { mock } = onVirtualClock();
    expect(await mock.set('k', 'v', { expire, noreply: false })).toBe(true);
    expect(await mock.get('k')).toBeUndefined();
  });

  it('touch and gat set a new expiry from now; 0 means never', async () => {
    const { mock, advance } = onVirtualClock();
    await mock.set('a', 'A', { expire: 10 });
    await mock.set('b', 'B', { expire: 10 });
    advance(9);
    expect(await mock.touch('a', 10, { noreply: false })).toBe(true);
    expect(await mock.gat('b', 0)).toBe('B');
    advance(9);
    expect(await mock.getMany(['a', 'b'])).toEqual(new Map([['a', 'A'], ['b', 'B']]));
    advance(1);
    expect(await mock.getMany(['a', 'b'])).toEqual(new Map([['b', 'B']]));
  });

  it('flushAll(delay) invalidates what was stored before it, once the delay is a second short of passing', async () => {
    const { mock, advance } = onVirtualClock();
    await mock.set('k', 'v');
    await mock.flushAll(5);
    advance(3);
    expect(await mock.get('k')).toBe('v');
    advance(1);
    expect(await mock.get('k')).toBeUndefined();
  });

  it('works inside TestScheduler.run: commands settle in virtual time, at the frame they are subscribed', () => {
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ expectObservable }) => {
      const mock = new MockMemcacheClient({ scheduler: testScheduler });
      mock.set('k', 'v', { expire: 10 }).subscribe();
      expectObservable(timer(9_999).pipe(switchMap(() => mock.get('k', 'gone')))).toBe('9999ms (a|)', { a: 'v' });
      expectObservable(timer(10_000).pipe(switchMap(() => mock.get('k', 'gone')))).toBe('10000ms (a|)', { a: 'gone' });
    });
  });
});

describe('settling', () => {
  it('settles synchronously when subscribed', () => {
    const mock = new MockMemcacheClient();
    const seen: unknown[] = [];
    mock.set('k', 'v').subscribe((stored) => seen.push(stored));
    mock.get('k').subscribe((value) => seen.push(value));
    expect(seen).toEqual([true, 'v']);
  });

  it('runs commands issued from a callback after that callback returns, in order, before the outer subscribe returns', () => {
    const mock = new MockMemcacheClient();
    const seen: string[] = [];
    mock.set('k', 'v1').subscribe({
      next: () => {
        mock.get('k').subscribe((value) => seen.push(`get ${String(value)}`));
        mock.set('k', 'v2').subscribe(() => seen.push('set v2'));
        mock.get('k').subscribe((value) => seen.push(`get ${String(value)}`));
        seen.push(`callback returns, ${mock.load.queued} queued`);
      },
      complete: () => seen.push('first complete'),
    });
    seen.push('subscribe returned');
    expect(seen).toEqual(['callback returns, 3 queued', 'first complete', 'get v1', 'set v2', 'get v2', 'subscribe returned']);
  });

  it('a chain of 10,000 commands, each issued from the previous callback, does not grow the stack', () => {
    const mock = new MockMemcacheClient();
    let count = 0;
    const next = (): void => {
      if (++count < 10_000) mock.incr('n', 1).subscribe(next);
    };
    mock.set('n', '0').subscribe(next);
    expect(count).toBe(10_000);
    expect(Buffer.from(mock.memory.peek('n')?.value ?? []).toString()).toBe('9999');
  });

  it('a command unsubscribed before its turn never reaches the server', () => {
    const mock = new MockMemcacheClient();
    mock.get('x').subscribe(() => {
      mock.set('dropped', 'v').subscribe().unsubscribe();
      mock.set('kept', 'v').subscribe();
    });
    expect(mock.memory.peek('dropped')).toBeUndefined();
    expect(mock.memory.peek('kept')).toBeDefined();
    expect(mock.memory.stats().cmd_set).toBe(1);
  });

  it('close() from a callback lets what was issued before it run, and refuses what comes after', async () => {
    const mock = new MockMemcacheClient();
    const outcomes: string[] = [];
    mock.get('x').subscribe(() => {
      mock.set('before', 'v').subscribe(() => outcomes.push('before stored'));
      void mock.close().then(() => outcomes.push('closed'));
      mock.set('after', 'v').subscribe({ error: (e: unknown) => outcomes.push(e instanceof MemcacheClosedError ? 'after refused' : String(e)) });
    });
    await mock.close();
    expect(outcomes).toEqual(['after refused', 'before stored', 'closed']);
  });
});
