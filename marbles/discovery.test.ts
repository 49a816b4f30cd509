import { describe, expect, it } from 'vitest';
import { ElastiCacheDiscovery, type DiscoveryFailure } from '../src/index.js';
import { createFakeTransport, type Reply } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// The polling of an ElastiCache configuration endpoint, in virtual time, over a fake transport.
const A = 'mc-a.local|10.0.0.1|11211';
const B = 'mc-b.local|10.0.0.2|11211';
const C = 'mc-c.local|10.0.0.3|11211';
const config = (version: number, ...nodes: string[]): string => {
  const body = `${version}\n${nodes.join(' ')}\n`;
  return `CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`;
};

/** A discovery whose endpoint answers poll n (= connection n) with `replies[n]` (undefined: silence). */
function discovery(scheduler: ReturnType<typeof createTestScheduler>, replies: readonly Reply[], interval = 1000, timeout = 300) {
  const fake = createFakeTransport({
    scheduler,
    respond: (written, n) => (written === 'config get cluster\r\n' ? replies[n] : 'ERROR\r\n'),
  });
  const source = new ElastiCacheDiscovery('cfg.local:11211', { interval, timeout, scheduler, connect: () => fake.transport });
  const failures: Array<[number, string, readonly string[]]> = [];
  source.failures$.subscribe((f: DiscoveryFailure) => failures.push([scheduler.now(), (f.error as Error).name, f.servers]));
  return { source, fake, failures };
}

describe('ElastiCacheDiscovery polling', () => {
  it('emits on the first answer and on a change only; a failed poll keeps the list and is reported', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const replies = [config(1, A, B), config(1, A, B), 'ERROR\r\n', undefined, config(2, A, B, C), config(2, A, B, C)];
      const { source, fake, failures } = discovery(scheduler, replies);
      expectObservable(source.servers$, '^ 5500ms !').toBe('a 3999ms b', {
        a: ['mc-a.local:11211', 'mc-b.local:11211'],
        b: ['mc-a.local:11211', 'mc-b.local:11211', 'mc-c.local:11211'],
      });
      flush();
      expect(failures).toEqual([
        [2000, 'MemcacheUnknownCommandError', ['mc-a.local:11211', 'mc-b.local:11211']],
        [3300, 'MemcacheTimeoutError', ['mc-a.local:11211', 'mc-b.local:11211']],
      ]);
      // One connection per poll, closed as soon as it answered (or timed out).
      expect(fake.connections.map((c) => [c.subscribedAt, c.unsubscribedAt])).toEqual([
        [0, 0], [1000, 1000], [2000, 2000], [3000, 3300], [4000, 4000], [5000, 5000],
      ]);
    });
  });

  it('emits again when only the version changes', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { source } = discovery(scheduler, [config(1, A), config(2, A)]);
      expectObservable(source.servers$, '^ 1500ms !').toBe('a 999ms a', { a: ['mc-a.local:11211'] });
    });
  });

  it('does not start a poll while one is still running', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { source, fake, failures } = discovery(scheduler, [undefined, config(1, A)], 1000, 1500);
      expectObservable(source.servers$, '^ 3500ms !').toBe('2000ms a', { a: ['mc-a.local:11211'] });
      flush();
      expect(fake.connections.map((c) => c.subscribedAt)).toEqual([0, 2000, 3000]);
      expect(failures).toEqual([[1500, 'MemcacheTimeoutError', []]]);
    });
  });

  it('stops polling and closes the connection when unsubscribed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { source, fake } = discovery(scheduler, [config(1, A), undefined], 1000, 900);
      expectObservable(source.servers$, '^ 1500ms !').toBe('a', { a: ['mc-a.local:11211'] });
      flush();
      expect(fake.connections.map((c) => [c.subscribedAt, c.unsubscribedAt])).toEqual([[0, 0], [1000, 1501]]);
    });
  });

  it('refuses bad options before polling', () => {
    expect(() => new ElastiCacheDiscovery('cfg.local:11211', { interval: 0 })).toThrow(expect.objectContaining({ name: 'MemcacheIllegalInputError' }));
    expect(() => new ElastiCacheDiscovery('cfg local')).toThrow(expect.objectContaining({ name: 'MemcacheIllegalInputError' }));
  });
});
