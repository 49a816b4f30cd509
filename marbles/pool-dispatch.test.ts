import { describe, expect, it } from 'vitest';
import { PooledClient } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Where a PooledClient sends each command: the least-loaded connection with room, a new one while the
// pool is not full, otherwise a FIFO wait until a command settles.

const SERVER = '127.0.0.1:1';
const VALUES = { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E', f: 'F' };

function written(fake: ReturnType<typeof createFakeTransport>): Array<[number, number, string]> {
  return fake.writes.map((w) => [w.time, w.connection, w.data]);
}

describe('PooledClient dispatch', () => {
  it('fills a connection to maxPipeline, then opens the next; the fifth waits for the first reply', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 3 });
      const client = new PooledClient(SERVER, { maxPipeline: 2, maxPoolSize: 2 }, fake.transport);
      for (const key of ['a', 'b', 'c', 'd']) expectObservable(client.get(key)).toBe('---(x|)', { x: key.toUpperCase() });
      expectObservable(client.get('e')).toBe('------(x|)', { x: 'E' });
      scheduler.flush();
      expect(written(fake)).toEqual([
        [0, 0, 'get a\r\nget b\r\n'],
        [0, 1, 'get c\r\nget d\r\n'],
        [3, 0, 'get e\r\n'],
      ]);
    });
  });

  it('a new command goes to the least-loaded connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // Connection 0 answers after 10 ms, connection 1 at once: after c settles, 1 is the emptier one.
      const fake = createFakeTransport({
        scheduler,
        respond: (data, n) => (n === 0 ? undefined : serve(VALUES)(data)),
      });
      const client = new PooledClient(SERVER, { maxPipeline: 2, maxPoolSize: 2 }, fake.transport);
      expectObservable(client.get('a'), '^---------!').toBe('----------');
      expectObservable(client.get('b'), '^---------!').toBe('----------');
      expectObservable(client.get('c')).toBe('(x|)', { x: 'C' });
      expectObservable(client.get('d'), '--^').toBe('--(x|)', { x: 'D' });
      expectObservable(client.get('e'), '----^').toBe('----(x|)', { x: 'E' });
      scheduler.flush();
      expect(written(fake)).toEqual([
        [0, 0, 'get a\r\nget b\r\n'],
        [0, 1, 'get c\r\n'],
        [2, 1, 'get d\r\n'],
        [4, 1, 'get e\r\n'],
      ]);
    });
  });

  it('waiting commands go out in the order they came, and newcomers queue behind them', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 2 });
      const client = new PooledClient(SERVER, { maxPipeline: 1, maxPoolSize: 1 }, fake.transport);
      expectObservable(client.get('a')).toBe('--(x|)', { x: 'A' });
      expectObservable(client.get('b')).toBe('----(x|)', { x: 'B' });
      expectObservable(client.get('c')).toBe('------(x|)', { x: 'C' });
      // Arrives at 2, as a settles: still behind c.
      expectObservable(client.get('d'), '--^').toBe('--------(x|)', { x: 'D' });
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get b\r\n', 'get c\r\n', 'get d\r\n']);
      expect(fake.connections).toHaveLength(1);
    });
  });

  it('a command unsubscribed while waiting leaves the line and is never sent', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 5 });
      const client = new PooledClient(SERVER, { maxPipeline: 1, maxPoolSize: 1 }, fake.transport);
      expectObservable(client.get('a')).toBe('-----(x|)', { x: 'A' });
      expectObservable(client.get('b'), '^-!').toBe('---');
      expectObservable(client.get('c')).toBe('----------(x|)', { x: 'C' });
      // Subscribed after the three commands: a sent, b and c waiting.
      expectObservable(client.pool$, '^----------!').toBe('v-s--u----z', {
        v: { size: 1, busy: 1, waiting: 2 },
        s: { size: 1, busy: 1, waiting: 1 },
        u: { size: 1, busy: 1, waiting: 0 },
        z: { size: 1, busy: 0, waiting: 0 },
      });
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get c\r\n']);
    });
  });
});
