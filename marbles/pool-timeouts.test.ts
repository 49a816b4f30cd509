import { describe, expect, it } from 'vitest';
import { MemcacheIllegalInputError, MemcachePoolTimeoutError, MemcacheQueueFullError, MemcacheTimeoutError, PooledClient } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// How long a command may wait for a pooled connection, and when idle connections leave the pool.

const SERVER = '127.0.0.1:1';
const VALUES = { a: 'A', b: 'B', c: 'C' };
const ONE_LANE = { maxPipeline: 1, maxPoolSize: 1, timeout: 100 };

describe('PooledClient waiting limits', () => {
  it('a command still waiting after acquireTimeout fails with MemcachePoolTimeoutError and is never sent', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 10 });
      const client = new PooledClient(SERVER, { protocol: 'text', ...ONE_LANE, acquireTimeout: 5, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('----------(x|)', { x: 'A' });
      const error = new MemcachePoolTimeoutError(`no connection to ${SERVER} had room (all at maxPipeline 1) within acquireTimeout (5 ms); not sent`);
      expectObservable(client.get('b')).toBe('-----#', undefined, error);
      // Arrives after b gave up; gets the place a frees.
      expectObservable(client.get('c'), '------^').toBe('--------------------(x|)', { x: 'C' });
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get c\r\n']);
    });
  });

  it("the command's own timeout counts from subscription, time spent waiting included", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 60 });
      const client = new PooledClient(SERVER, { protocol: 'text', ...ONE_LANE, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('60ms (x|)', { x: 'A' });
      // b waits 60 ms, is written, and times out 100 ms after its subscription (its reply would come at 120).
      expectObservable(client.get('b')).toBe('100ms #', undefined, new MemcacheTimeoutError(`no reply from ${SERVER} within 100 ms`));
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get b\r\n']);
    });
  });

  it('a command whose timeout passes while it waits fails unsent, as a pool timeout; a late reply frees the place', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // a's reply starts at 50 and ends at 150: a times out at 100 but its place stays taken until then.
      const replies = cold<Buffer>('50ms h 99ms t', { h: bytes('VALUE a 16 1\r\n'), t: bytes('A\r\nEND\r\n') });
      const fake = createFakeTransport({ scheduler, replies });
      const client = new PooledClient(SERVER, { protocol: 'text', ...ONE_LANE, acquireTimeout: 500, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('100ms #', undefined, new MemcacheTimeoutError(`no reply from ${SERVER} within 100 ms`));
      const error = new MemcachePoolTimeoutError(`no connection to ${SERVER} had room (all at maxPipeline 1) within its timeout (100 ms); not sent`);
      expectObservable(client.get('b'), '10ms ^').toBe('10ms 100ms #', undefined, error);
      expectObservable(client.get('c'), '120ms ^ 39ms !').toBe('');
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.data])).toEqual([
        [0, 'get a\r\n'],
        [150, 'get c\r\n'],
      ]);
    });
  });

  it('beyond maxWaiting, a command fails at once with MemcacheQueueFullError', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 10 });
      const client = new PooledClient(SERVER, { protocol: 'text', ...ONE_LANE, maxWaiting: 1, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('----------(x|)', { x: 'A' });
      expectObservable(client.get('b')).toBe('--------------------(x|)', { x: 'B' });
      expectObservable(client.get('c')).toBe('#', undefined, new MemcacheQueueFullError(`1 commands already wait for a connection to ${SERVER}`));
      scheduler.flush();
    });
  });

  it('waiting commands are bounded in bytes by maxQueueBytes too (one alone is always taken)', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 10 });
      const client = new PooledClient(SERVER, { protocol: 'text', ...ONE_LANE, maxQueueBytes: 150, connect: () => fake.transport });
      const big = 'x'.repeat(100);
      expectObservable(client.get('a')).toBe('----------(x|)', { x: 'A' });
      expectObservable(client.set('b', big, { noreply: false })).toBe('--------------------(x|)', { x: true });
      const full = new MemcacheQueueFullError(`118 bytes already wait for a connection to ${SERVER} (maxQueueBytes 150)`);
      expectObservable(client.set('c', big, { noreply: false })).toBe('#', undefined, full);
      scheduler.flush();
    });
  });
});

describe('PooledClient idle connections', () => {
  it('a connection idle for poolIdleTimeout is closed (after quit) and a later command opens a new one', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 1 });
      const client = new PooledClient(SERVER, { protocol: 'text', poolIdleTimeout: 5, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('-(x|)', { x: 'A' });
      // b keeps the connection busy until 4: it closes at 9, not 6.
      expectObservable(client.get('b'), '---^').toBe('----(x|)', { x: 'B' });
      expectObservable(client.get('c'), '20ms ^').toBe('20ms -(x|)', { x: 'C' });
      expectObservable(client.pool$, '^ 30ms !').toBe('ui-ui----e 10ms ui----e', {
        u: { size: 1, busy: 1, waiting: 0 },
        i: { size: 1, busy: 0, waiting: 0 },
        e: { size: 0, busy: 0, waiting: 0 },
      });
      scheduler.flush();
      expect(fake.connections).toEqual([
        { subscribedAt: 0, unsubscribedAt: 9 },
        { subscribedAt: 20, unsubscribedAt: 26 },
      ]);
      expect(fake.ends.map((e) => [e.time, e.connection, e.data])).toEqual([
        [9, 0, 'quit\r\n'],
        [26, 1, 'quit\r\n'],
      ]);
    });
  });

  it('close() lets waiting commands go out and finish, then quits', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 2 });
      const client = new PooledClient(SERVER, { protocol: 'text', ...ONE_LANE, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('--(x|)', { x: 'A' });
      expectObservable(client.get('b')).toBe('----(x|)', { x: 'B' });
      scheduler.schedule(() => void client.close(), 1);
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get b\r\n']);
      expect(fake.ends).toEqual([{ time: 4, connection: 0, data: 'quit\r\n' }]);
    });
  });

  it('close() leaves no timer behind, and pool$ completes', async () => {
    const scheduler = createTestScheduler();
    let closing: Promise<void> | undefined;
    let pending = -1;
    const seen: string[] = [];
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 1 });
      const client = new PooledClient(SERVER, { protocol: 'text', poolIdleTimeout: 1000, connect: () => fake.transport });
      client.pool$.subscribe({ next: (s) => seen.push(`${s.size}${s.busy}${s.waiting}`), complete: () => seen.push('complete') });
      expectObservable(client.get('a')).toBe('-(x|)', { x: 'A' });
      scheduler.schedule(() => (closing = client.close()), 3);
      scheduler.schedule(() => (pending = scheduler.actions.length), 4);
      scheduler.flush();
      expect(fake.connections).toEqual([{ subscribedAt: 0, unsubscribedAt: 3 }]);
    });
    await closing;
    // The idle alarm (due at 1001) and the connection's deadline alarm are gone.
    expect(pending).toBe(0);
    expect(seen).toEqual(['000', '110', '100', '000', 'complete']);
  });
});

describe('PooledClient options', () => {
  it.each([
    [{ maxPoolSize: 0 }, 'maxPoolSize must be a positive integer, got 0'],
    [{ maxWaiting: 1.5 }, 'maxWaiting must be a positive integer, got 1.5'],
    [{ acquireTimeout: -1 }, 'acquireTimeout must be a positive number of milliseconds (or Infinity), got -1'],
    [{ poolIdleTimeout: Number.NaN }, 'poolIdleTimeout must be a positive number of milliseconds (or Infinity), got NaN'],
  ])('%j is refused at construction', (options, message) => {
    expect(() => new PooledClient(SERVER, options)).toThrow(new MemcacheIllegalInputError(message));
  });
});
