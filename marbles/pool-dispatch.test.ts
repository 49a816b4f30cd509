import { describe, expect, it } from 'vitest';
import { PooledClient } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Where a PooledClient sends each command: the least-loaded connection with room, a new one while the
// pool is not full, otherwise a FIFO wait until a command settles.

const SERVER = '127.0.0.1:1';
const VALUES = { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' };

function written(fake: ReturnType<typeof createFakeTransport>): Array<[number, number, string]> {
  return fake.writes.map((w) => [w.time, w.connection, w.data]);
}

describe('PooledClient dispatch', () => {
  it('fills a connection to maxPipeline, then opens the next; the fifth waits for the first reply', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 3 });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 2, maxPoolSize: 2, connect: () => fake.transport });
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

  it('a new command goes to the least-loaded connection with room, not the first', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // Connection 0 answers only its first command (a miss); connection 1 answers everything.
      const fake = createFakeTransport({
        scheduler,
        respond: (data, n) => (n === 1 ? serve(VALUES)(data) : data.startsWith('get a\r\n') ? 'END\r\n' : undefined),
        respondAfter: 1,
      });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 3, maxPoolSize: 2, connect: () => fake.transport });
      expectObservable(client.get('a', null)).toBe('-(x|)', { x: null });
      for (const key of ['b', 'c']) expectObservable(client.get(key), '^---------!').toBe('');
      expectObservable(client.get('d')).toBe('-(x|)', { x: 'D' });
      // At 2 connection 0 holds b and c (room for one more), connection 1 nothing.
      expectObservable(client.get('e'), '--^').toBe('---(x|)', { x: 'E' });
      scheduler.flush();
      expect(written(fake)).toEqual([
        [0, 0, 'get a\r\nget b\r\nget c\r\n'],
        [0, 1, 'get d\r\n'],
        [2, 1, 'get e\r\n'],
      ]);
    });
  });

  it('waiting commands go out in the order they came, and newcomers queue behind them', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 2 });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 1, maxPoolSize: 1, connect: () => fake.transport });
      const late: string[] = [];
      // Issued from a's callback, when a's place is free but b and c wait: it goes behind them.
      client.get('a').subscribe(() => client.get('d').subscribe((v) => late.push(`${String(v)}@${scheduler.now()}`)));
      expectObservable(client.get('b')).toBe('----(x|)', { x: 'B' });
      expectObservable(client.get('c')).toBe('------(x|)', { x: 'C' });
      // Arrives at 3, when d is already in line.
      expectObservable(client.get('e'), '---^').toBe('----------(x|)', { x: 'E' });
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get b\r\n', 'get c\r\n', 'get d\r\n', 'get e\r\n']);
      expect(late).toEqual(['D@8']);
      expect(fake.connections).toHaveLength(1);
    });
  });

  it('a command unsubscribed while waiting leaves the line and is never sent', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 5 });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 1, maxPoolSize: 1, connect: () => fake.transport });
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
