import { map, throwError, timer, type Observable, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemcacheConnectionError, type ServerHealth } from '../../src/index.js';
import type { Stats, TopModel } from '../../src/cli/top-model.js';
import { topModels } from '../../src/cli/top-stream.js';
import { createTestScheduler } from '../../marbles/helpers/observable-matcher.js';

// top's clock in virtual time: polls on the scheduler, rates between polls, health changes drawn at once.

const A = '127.0.0.1:40001';
const health = (state: 'up' | 'dead', since = 0): ReadonlyMap<string, ServerHealth> =>
  new Map([[A, state === 'up' ? { state, since } : { state, since, error: new MemcacheConnectionError('refused') }]]);
/** Each poll answers `after` ms later with 500 more gets than the last. */
function counting(after: number, scheduler: SchedulerLike): { polls: number[]; stats: () => Observable<ReadonlyMap<string, Stats>> } {
  const polls: number[] = [];
  return {
    polls,
    stats: () => {
      polls.push(scheduler.now());
      const gets = 500 * polls.length;
      return timer(after, scheduler).pipe(map(() => new Map([[A, { pid: 1, uptime: 10, cmd_get: gets, cmd_set: 0, curr_connections: 1 } as Stats]])));
    },
  };
}
const brief = (m: TopModel): string => m.rows.map((r) => `${r.health}:${r.getsPerSec ?? '-'}`).join(',');

describe('topModels', () => {
  it('polls at once and then every interval; rates come from the previous poll', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = counting(2, scheduler);
      const models = topModels({ stats: source.stats, health$: cold('a', { a: health('up') }) }, 10, scheduler);
      // 500 more gets per 10 ms between answers = 50,000/s.
      expectObservable(models.pipe(map(brief)), '^-----------------------!').toBe('--a---------b---------c', { a: 'up:-', b: 'up:50000', c: 'up:50000' });
      scheduler.flush();
      expect(source.polls).toEqual([0, 10, 20]);
    });
  });

  it('a poll still running when the next is due is not doubled up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const source = counting(25, scheduler);
      const models = topModels({ stats: source.stats, health$: cold('a', { a: health('up') }) }, 10, scheduler);
      // Answers at 25 and 55 (the ticks at 10 and 20 fell on a busy poll): 500 gets over 30 ms.
      expectObservable(models.pipe(map(brief)), '60ms !').toBe('25ms a 29ms b', { a: 'up:-', b: 'up:16666.666666666668' });
      scheduler.flush();
      expect(source.polls).toEqual([0, 30]);
    });
  });

  it('a health change is drawn at once, without waiting for the next poll', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = counting(1, scheduler);
      const health$ = hot('a----d', { a: health('up'), d: health('dead', 5) });
      const models = topModels({ stats: source.stats, health$ }, 100, scheduler);
      expectObservable(models.pipe(map(brief)), '^-------!').toBe('-a---d', { a: 'up:-', d: 'down:-' });
      expectSubscriptions(health$.subscriptions).toBe('^-------!');
    });
  });

  it("a dead server's failed probes (dead again, a new since) do not restart its time down", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const source = counting(1, scheduler);
      const health$ = hot('a--d--e--u', { a: health('up'), d: health('dead', 3), e: health('dead', 6), u: health('up', 9) });
      const models = topModels({ stats: source.stats, health$ }, 100, scheduler);
      const shown = models.pipe(map((m) => `${m.rows[0]?.health}:${m.rows[0]?.since}`));
      expectObservable(shown, '12ms !').toBe('-a-d--e--u', { a: 'up:1', d: 'down:0', e: 'down:3', u: 'up:0' });
    });
  });

  it('a poll that fails shows the servers without numbers, and polling goes on', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      let calls = 0;
      const ok = counting(1, scheduler);
      const stats = (): Observable<ReadonlyMap<string, Stats>> => (++calls === 2 ? throwError(() => new Error('boom')) : ok.stats());
      const models = topModels({ stats, health$: cold('a', { a: health('up') }) }, 10, scheduler);
      const shown = models.pipe(map((m) => `${m.rows[0]?.health}:${m.rows[0]?.connections ?? '-'}`));
      expectObservable(shown, '30ms !').toBe('-a--------b----------c', { a: 'up:1', b: 'up:-', c: 'up:1' });
    });
  });
});
