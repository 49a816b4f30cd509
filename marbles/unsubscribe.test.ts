import { catchError, map, of, retry } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheConnectionError, MemcacheUnexpectedCloseError, type ConnectionHealth } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// Unsubscribing and losing the transport: what is written, what the stream stays in sync with.

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500 };

function chunks(map: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, bytes(v)]));
}

const health = (h: ConnectionHealth): string => (h.state === 'down' && h.error !== undefined ? `down: ${h.error.message}` : h.state);

describe('unsubscribing', () => {
  it('unsubscribing before the write sends nothing', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve({ a: 'A', b: 'B' }), respondAfter: 1 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a'), '(^!)').toBe('');
      expectObservable(client.get('b'), '---^').toBe('----(x|)', { x: 'B' });
      scheduler.flush();
      expect(fake.writes).toEqual([{ time: 3, connection: 0, data: 'get b\r\n' }]);
    });
  });

  it('a command unsubscribed in the frame it was issued is left out of that frame’s write', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: serve({ a: 'A', b: 'B', c: 'C' }), respondAfter: 2 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('--(x|)', { x: 'A' });
      expectObservable(client.get('b'), '(^!)').toBe('');
      expectObservable(client.get('c')).toBe('--(x|)', { x: 'C' });
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\nget c\r\n']);
    });
  });

  it('unsubscribing after the write keeps the connection in sync: the next get gets its own reply', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const replies = cold('-----a---b', chunks({ a: 'VALUE a 16 1\r\nA\r\nEND\r\n', b: 'VALUE b 16 1\r\nB\r\nEND\r\n' }));
      const fake = createFakeTransport({ scheduler, replies });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a'), '^--!').toBe('---');
      expectObservable(client.get('b'), '-------^').toBe('---------(x|)', { x: 'B' });
      expectSubscriptions(replies.subscriptions).toBe('^');
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n', 'get b\r\n']);
    });
  });

  it('a pipelined get unsubscribed while awaiting its reply does not shift the replies of the gets behind it', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const replies = cold('----r', chunks({ r: 'VALUE a 16 1\r\nA\r\nEND\r\nVALUE b 16 1\r\nB\r\nEND\r\nEND\r\n' }));
      const client = new Client(SERVER, { ...OPTIONS, connect: () => createFakeTransport({ scheduler, replies }).transport });
      expectObservable(client.get('a'), '^-!').toBe('--');
      expectObservable(client.get('b')).toBe('----(x|)', { x: 'B' });
      expectObservable(client.get('c', 'miss')).toBe('----(x|)', { x: 'miss' });
    });
  });
});

describe('losing the transport', () => {
  it('a transport error fails every in-flight command with MemcacheConnectionError naming the server; health goes connecting → up → down', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const reset = new Error('read ECONNRESET');
      const replies = cold<Buffer>('-----#', undefined, reset);
      const client = new Client(SERVER, { ...OPTIONS, connect: () => createFakeTransport({ scheduler, replies }).transport });
      const lost = new MemcacheConnectionError(`connection to ${SERVER} failed: read ECONNRESET`);
      expectObservable(client.health$.pipe(map(health)), '^------!').toBe('(icu)x', {
        i: 'idle',
        c: 'connecting',
        u: 'up',
        x: `down: ${lost.message}`,
      });
      expectObservable(client.get('a')).toBe('-----#', undefined, lost);
      expectObservable(client.get('b')).toBe('-----#', undefined, lost);
      // By class, not just by shape: instanceof, the server in the message, the socket error as cause.
      const classify = (error: unknown) => ({
        connectionError: error instanceof MemcacheConnectionError,
        mentionsServer: error instanceof Error && error.message.includes(SERVER),
        cause: error instanceof Error ? error.cause : undefined,
      });
      const verdict = { connectionError: true, mentionsServer: true, cause: reset };
      expectObservable(client.get('c').pipe(catchError((e: unknown) => of(classify(e))))).toBe('-----(v|)', { v: verdict });
      expectSubscriptions(replies.subscriptions).toBe('^----!');
    });
  });

  it('a get retried from a transport error (the retry operator) goes out again on a fresh connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? cold<Buffer>('----#', undefined, new Error('read ECONNRESET')) : cold<Buffer>('-')),
        respond: (written, n) => (n === 1 ? serve({ a: 'A' })(written) : undefined),
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a').pipe(retry(1))).toBe('----(x|)', { x: 'A' });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [4, 1, 'get a\r\n'],
      ]);
    });
  });

  it('the server closing the connection fails in-flight commands with MemcacheUnexpectedCloseError; the next command reconnects', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const first = cold<Buffer>('------|');
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? first : cold<Buffer>('-')),
        respond: (written, n) => (n === 1 ? serve({ b: 'B' })(written) : undefined),
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const closed = new MemcacheUnexpectedCloseError(`${SERVER} closed the connection`);
      expectObservable(client.health$.pipe(map(health)), '^---------!').toBe('(icu)-x-(cu)', {
        i: 'idle',
        c: 'connecting',
        u: 'up',
        x: `down: ${closed.message}`,
      });
      expectObservable(client.get('a')).toBe('------#', undefined, closed);
      expectObservable(client.get('b'), '--------^').toBe('--------(x|)', { x: 'B' });
      scheduler.flush();
      expect(fake.connections).toEqual([
        { subscribedAt: 0, unsubscribedAt: 6 },
        { subscribedAt: 8, unsubscribedAt: undefined },
      ]);
    });
  });
});
