import { describe, expect, it } from 'vitest';
import { Client, MemcacheServerError } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// Commands issued in one tick leave in one write; a noreply run is closed by an `mn` sentinel.

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500 };
const VALUES = { a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' };

describe('coalesced writes', () => {
  it('gets subscribed in the same frame go out in one write, answered in order', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 3 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('---(x|)', { x: 'A' });
      expectObservable(client.get('b')).toBe('---(x|)', { x: 'B' });
      expectObservable(client.get('c')).toBe('---(x|)', { x: 'C' });
      scheduler.flush();
      expect(fake.writes).toEqual([{ time: 0, connection: 0, data: 'get a\r\nget b\r\nget c\r\n' }]);
    });
  });

  it('gets subscribed in different frames go out in separate writes, one per frame', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 1 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('-(x|)', { x: 'A' });
      expectObservable(client.get('b'), '---^').toBe('----(x|)', { x: 'B' });
      expectObservable(client.get('c'), '---^').toBe('----(x|)', { x: 'C' });
      expectObservable(client.get('d'), '-------^').toBe('--------(x|)', { x: 'D' });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.data])).toEqual([
        [0, 'get a\r\n'],
        [3, 'get b\r\nget c\r\n'],
        [7, 'get d\r\n'],
      ]);
    });
  });

  it('commands issued while connecting wait and go out together once connected', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, connectAfter: 5, respond: serve(VALUES), respondAfter: 2 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('-------(x|)', { x: 'A' });
      expectObservable(client.get('b'), '-^').toBe('-------(x|)', { x: 'B' });
      expectObservable(client.get('c'), '---^').toBe('-------(x|)', { x: 'C' });
      scheduler.flush();
      expect(fake.writes).toEqual([{ time: 5, connection: 0, data: 'get a\r\nget b\r\nget c\r\n' }]);
      expect(fake.connections).toEqual([{ subscribedAt: 0, unsubscribedAt: undefined }]);
    });
  });

  it('a noreply set then a get: one write with the mn sentinel between; a SERVER_ERROR before MN goes to noreplyErrors$', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const replies = cold('----x-r', {
        x: bytes('SERVER_ERROR x\r\n'),
        r: bytes('MN\r\nVALUE b 16 2\r\nbb\r\nEND\r\n'),
      });
      const fake = createFakeTransport({ scheduler, replies });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.noreplyErrors$).toBe('----e', { e: new MemcacheServerError('x') });
      // The set resolves when written, long before the server says anything.
      expectObservable(client.set('s', 'v')).toBe('(t|)', { t: true });
      expectObservable(client.get('b')).toBe('------(x|)', { x: 'bb' });
      scheduler.flush();
      expect(fake.written()).toEqual(['set s 16 0 1 noreply\r\nv\r\nmn\r\nget b\r\n']);
    });
  });

  it('a noreply run at the end of a batch is followed by the sentinel; its MN settles nothing and errs nothing', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 2 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.noreplyErrors$, '^---------!').toBe('----------');
      expectObservable(client.get('a')).toBe('--(x|)', { x: 'A' });
      expectObservable(client.set('s', bytes('xyz'))).toBe('(t|)', { t: true });
      expectObservable(client.delete('d')).toBe('(t|)', { t: true });
      expectObservable(client.get('b'), '-----^').toBe('-------(x|)', { x: 'B' });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.data])).toEqual([
        [0, 'get a\r\nset s 0 0 3 noreply\r\nxyz\r\ndelete d noreply\r\nmn\r\n'],
        [5, 'get b\r\n'],
      ]);
      expect(client.load).toEqual({ queued: 0, inFlight: 0 });
    });
  });

  it('maxPipeline 2: of five gets only two are written until replies free their slots', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve(VALUES), respondAfter: 10 });
      const client = new Client(SERVER, { ...OPTIONS, maxPipeline: 2, connect: () => fake.transport });
      const loads: Array<{ queued: number; inFlight: number }> = [];
      for (const at of [5, 15, 25, 35]) scheduler.schedule(() => loads.push(client.load), at);
      expectObservable(client.get('a')).toBe('10ms (x|)', { x: 'A' });
      expectObservable(client.get('b')).toBe('10ms (x|)', { x: 'B' });
      expectObservable(client.get('c')).toBe('20ms (x|)', { x: 'C' });
      expectObservable(client.get('d')).toBe('20ms (x|)', { x: 'D' });
      expectObservable(client.get('e')).toBe('30ms (x|)', { x: 'E' });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.data])).toEqual([
        [0, 'get a\r\nget b\r\n'],
        [10, 'get c\r\nget d\r\n'],
        [20, 'get e\r\n'],
      ]);
      expect(loads).toEqual([
        { queued: 3, inFlight: 2 },
        { queued: 1, inFlight: 2 },
        { queued: 0, inFlight: 1 },
        { queued: 0, inFlight: 0 },
      ]);
    });
  });
});
