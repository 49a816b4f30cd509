import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { GetOrSetOptions } from '../../src/client/stampede.js';
import { MockMemcacheClient } from '../../src/mock/mock-client.js';

// getOrSet on the mock, in virtual time: two mock clients talk to one emulated server (sameServerAs), as
// two processes share one memcached. The mock settles commands synchronously, so the only time that passes
// is the loader's and the callers' polling, both on the TestScheduler, which is also the server's clock.

/** Polling: 10, 20, 40, 80, then every 100 ms (cumulative 10, 30, 70, 150, 250, 350, …). */
const OPTIONS = { ttl: 60, lease: 30, timeout: 60_000, poll: { initial: 10, max: 100 } } as const;

function rig(): { scheduler: TestScheduler; clients: [MockMemcacheClient, MockMemcacheClient]; options: GetOrSetOptions } {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const a = new MockMemcacheClient({ scheduler, server: 'shared:11211' });
  const b = new MockMemcacheClient({ scheduler, sameServerAs: a });
  return { scheduler, clients: [a, b], options: { ...OPTIONS, scheduler } };
}

describe('getOrSet on two mock clients sharing one emulated server', () => {
  it('many concurrent callers on a missing key: the loader runs once, the others poll until its value is there', () => {
    const { scheduler, clients, options } = rig();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold('200ms (v|)');
      const callers = Array.from({ length: 8 }, (_, i) => clients[i % 2]?.getOrSet('hot', () => loader, options));
      // The first caller wins the placeholder (mg N30 → W) and stores at 200 ms; the others see it taken
      // (Z) and find the value at their poll after 200 ms, 250 ms.
      expectObservable(callers[0] ?? cold('#')).toBe('200ms (v|)');
      for (const caller of callers.slice(1)) expectObservable(caller ?? cold('#')).toBe('250ms (v|)');
      expectSubscriptions(loader.subscriptions).toBe('^ 199ms !');
    });
    expect(clients[0].memory.peek('hot')).toMatchObject({ flags: 16, value: Uint8Array.from(Buffer.from('v')) });
  });

  it('after invalidate, callers get the stale value at once while one caller refreshes it', async () => {
    const { scheduler, clients, options } = rig();
    await clients[0].set('hot', 'old', { expire: 100, noreply: false });
    expect(await clients[1].invalidate('hot', { staleTtl: 30 })).toBe(true);
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold('200ms (n|)');
      const callers = Array.from({ length: 6 }, (_, i) => clients[i % 2]?.getOrSet('hot', () => loader, options));
      expectObservable(callers[0] ?? cold('#')).toBe('200ms (n|)');
      for (const caller of callers.slice(1)) expectObservable(caller ?? cold('#')).toBe('(o|)', { o: 'old' });
      expectSubscriptions(loader.subscriptions).toBe('^ 199ms !');
    });
    expect(await clients[1].metaGet('hot')).toMatchObject({ value: 'n', stale: false, won: false });
  });

  it('a winner that goes away gives the win back at once; the next poller wins and loads', () => {
    const { scheduler, clients, options } = rig();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold('200ms (v|)');
      const [winner, waiter] = [clients[0].getOrSet('hot', () => loader, options), clients[1].getOrSet('hot', () => loader, options)];
      // The winner's caller unsubscribes at 50 ms: its loader is cancelled, nothing is stored, and its
      // placeholder is deleted (md C<cas>) rather than left for its 30 s lease. The waiter's next poll
      // (at 70 ms) wins and loads for 200 ms.
      expectObservable(winner, '^ 49ms !').toBe('');
      expectObservable(waiter).toBe('270ms (v|)');
      expectSubscriptions(loader.subscriptions).toBe(['^ 49ms !', '70ms ^ 199ms !']);
    });
  });
});
