import { NEVER, concat, interval, map, of, retry } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheConnectionError, MemcacheTimeoutError } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// Deadlines in virtual time: inside run() the client's asyncScheduler timers and asapScheduler flushes
// are driven by the TestScheduler, so `1000ms` below is exact. (`time()` only counts characters up to
// `|` and ignores `1000ms` progressions, so the deadlines are plain constants.)

const SERVER = '127.0.0.1:1';
const TIMEOUT = 1000;
const CONNECT_TIMEOUT = 500;
const OPTIONS = { protocol: 'text' as const, timeout: TIMEOUT, connectTimeout: CONNECT_TIMEOUT };
const noReply = new MemcacheTimeoutError(`no reply from ${SERVER} within 1000 ms`);
// Commands written on a connection dropped for silence fail with a connection error, not a timeout:
// their own timeout has not passed.
const silent = new MemcacheConnectionError(`${SERVER} sent nothing for 1000 ms; connection dropped`);
const states = { i: 'idle', d: 'down', c: 'connecting', u: 'up' };

function chunks(map: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, bytes(v)]));
}

describe('command deadlines', () => {
  it('a get whose reply never comes fails at exactly timeout; the silent connection is dropped and the next get reconnects', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold<Buffer>('-');
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? first : NEVER),
        respond: (written, n) => (n === 1 ? serve({ b: 'second' })(written) : undefined),
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.health$.pipe(map((h) => h.state)), '^ 1600ms !').toBe('(icu) 995ms d 499ms (cu)', states);
      expectObservable(client.get('a')).toBe('1000ms #', undefined, noReply);
      expectObservable(client.get('b'), '1500ms ^').toBe('1500ms (x|)', { x: 'second' });
      expectSubscriptions(first.subscriptions).toBe('^ 999ms !');
      scheduler.flush();
      expect(fake.connections).toEqual([
        { subscribedAt: 0, unsubscribedAt: TIMEOUT },
        { subscribedAt: 1500, unsubscribedAt: undefined },
      ]);
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [1500, 1, 'get b\r\n'],
      ]);
    });
  });

  it('a reply that stalls after some bytes: commands time out, and a further timeout of silence drops the connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // Part of a's reply arrives, so the first deadline is not "silence"; then the server stalls.
      const stalled = cold<Buffer>('500ms p', chunks({ p: 'VALUE a 0 10\r\nabc' }));
      const fake = createFakeTransport({ scheduler, replies: () => stalled });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('1000ms #', undefined, noReply);
      expectObservable(client.get('b')).toBe('1000ms #', undefined, noReply);
      expectObservable(client.health$.pipe(map((h) => h.state)), '^ 2500ms !').toBe('u 1999ms d', states);
      scheduler.flush();
      // Still owed replies, not finished a whole timeout after they were due: dropped at 2000.
      expect(fake.connections).toEqual([{ subscribedAt: 0, unsubscribedAt: 2 * TIMEOUT }]);
    });
  });

  it('a reply that keeps trickling but never completes: one timeout of grace, then the connection is dropped', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // A header for a 1 MB value, then one byte every 100 ms: never silent, never done.
      const trickle = concat(of(bytes('VALUE a 0 1000000\r\n')), interval(100).pipe(map(() => bytes('x'))));
      const fake = createFakeTransport({ scheduler, replies: (n) => (n === 0 ? trickle : NEVER), respond: (w, n) => (n === 1 ? serve({ b: 'B' })(w) : undefined) });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('1000ms #', undefined, noReply);
      // Behind the trickle b times out at 1500 and its retry is caught by the drop at 2000; the next retry
      // goes out on a fresh connection and gets its own value.
      expectObservable(client.get('b').pipe(retry(2)), '500ms ^').toBe('2000ms (x|)', { x: 'B' });
      scheduler.flush();
      expect(fake.connections.map((c) => [c.subscribedAt, c.unsubscribedAt])).toEqual([
        [0, 2 * TIMEOUT],
        [2 * TIMEOUT, undefined],
      ]);
    });
  });

  it('dropping a silent connection also fails the commands written after the one that expired', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('1000ms #', undefined, noReply);
      expectObservable(client.get('b'), '200ms ^').toBe('1000ms #', undefined, silent);
      scheduler.flush();
      expect(fake.connections).toEqual([{ subscribedAt: 0, unsubscribedAt: 1000 }]);
    });
  });

  it('get first times out, its late reply is read and discarded, and get second gets its own value', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      // The server is alive (a VALUE frame arrives at 900) but the END of first's reply is late.
      const replies = cold(
        '900ms f 199ms s 199ms t',
        chunks({
          f: 'VALUE first 16 5\r\nFIRST\r\n',
          s: 'END\r\nVALUE second 16 6\r\nSECOND\r\nEND\r\n',
          t: 'VALUE third 16 5\r\nTHIRD\r\nEND\r\n',
        }),
      );
      const fake = createFakeTransport({ scheduler, replies });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('first')).toBe('1000ms #', undefined, noReply);
      expectObservable(client.get('second'), '500ms ^').toBe('1100ms (x|)', { x: 'SECOND' });
      expectObservable(client.get('third'), '1200ms ^').toBe('1300ms (x|)', { x: 'THIRD' });
      expectSubscriptions(replies.subscriptions).toBe('^');
      scheduler.flush();
      expect(fake.written()).toEqual(['get first\r\n', 'get second\r\n', 'get third\r\n']);
    });
  });

  it('a large value still streaming in when its get times out is not silence: the connection survives for the next get', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      // Bytes arrive at 100, 900 and 1100: the server is slow, not stuck.
      const replies = cold(
        '100ms a 799ms b 199ms c',
        chunks({ a: 'VALUE big 16 10\r\nabcde', b: 'fgh', c: 'ij\r\nEND\r\nVALUE next 16 4\r\nNEXT\r\nEND\r\n' }),
      );
      const fake = createFakeTransport({ scheduler, replies });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('big')).toBe('1000ms #', undefined, noReply);
      expectObservable(client.get('next'), '500ms ^').toBe('1100ms (x|)', { x: 'NEXT' });
      expectSubscriptions(replies.subscriptions).toBe('^');
    });
  });

  it('a get retried from its timeout error (the retry operator) goes out again on a fresh connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // Connection 0 is silent; connection 1 answers at once.
      const fake = createFakeTransport({
        scheduler,
        respond: (written, n) => (n === 1 ? serve({ a: 'A' })(written) : undefined),
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a').pipe(retry(1))).toBe('1000ms (x|)', { x: 'A' });
      scheduler.flush();
      expect(fake.connections).toEqual([
        { subscribedAt: 0, unsubscribedAt: 1000 },
        { subscribedAt: 1000, unsubscribedAt: undefined },
      ]);
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [1000, 1, 'get a\r\n'],
      ]);
    });
  });
});

describe('connect deadline', () => {
  it('a connect that never completes fails every queued command at connectTimeout and nothing is written', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, connectAfter: 'never' });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const tooSlow = new MemcacheTimeoutError(`connecting to ${SERVER} took longer than 500 ms`);
      expectObservable(client.health$.pipe(map((h) => h.state)), '^ 800ms !').toBe('(ic) 496ms d 199ms c', states);
      expectObservable(client.get('a')).toBe('500ms #', undefined, tooSlow);
      expectObservable(client.get('b'), '100ms ^').toBe('500ms #', undefined, tooSlow);
      // The next command tries again, with a fresh connect deadline.
      expectObservable(client.get('c'), '700ms ^').toBe('1200ms #', undefined, tooSlow);
      scheduler.flush();
      expect(fake.connections).toEqual([
        { subscribedAt: 0, unsubscribedAt: CONNECT_TIMEOUT },
        { subscribedAt: 700, unsubscribedAt: 700 + CONNECT_TIMEOUT },
      ]);
      expect(fake.writes).toEqual([]);
    });
  });

  it('a connect that completes late, within connectTimeout, writes what was queued', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, connectAfter: 499, respond: serve({ a: 'A' }), respondAfter: 1 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.health$.pipe(map((h) => h.state)), '^ 600ms !').toBe('(ic) 495ms u', states);
      expectObservable(client.get('a')).toBe('500ms (x|)', { x: 'A' });
      scheduler.flush();
      expect(fake.writes).toEqual([{ time: 499, connection: 0, data: 'get a\r\n' }]);
    });
  });
});
