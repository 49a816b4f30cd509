import { map, NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemcacheConnectionError, PooledClient } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// A pooled connection that breaks fails only what was written to it; the rest goes out on a new socket.

const SERVER = '127.0.0.1:1';
const VALUES = { a: 'A', b: 'B', c: 'C', d: 'D' };
const reset = new Error('read ECONNRESET');

describe('PooledClient when a connection breaks', () => {
  it('fails the command written to it; the command waiting in the pool goes out on the next socket', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? cold<Buffer>('--#', undefined, reset) : NEVER),
        respond: (data, n) => (n === 0 ? undefined : serve(VALUES)(data)),
      });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 1, maxPoolSize: 1, connect: () => fake.transport });
      const error = new MemcacheConnectionError(`connection to ${SERVER} failed: read ECONNRESET`);
      expectObservable(client.get('a')).toBe('--#', undefined, error);
      expectObservable(client.get('b')).toBe('--(x|)', { x: 'B' });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [2, 1, 'get b\r\n'],
      ]);
    });
  });

  it('health$ is up while any pooled connection is up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        // Socket 0 is reset at 3; the others serve.
        replies: (n) => (n === 0 ? cold<Buffer>('---#', undefined, reset) : NEVER),
        respond: (data, n) => (n === 0 ? undefined : serve(VALUES)(data)),
      });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 1, maxPoolSize: 2, connect: () => fake.transport });
      // a sits on socket 0, b on socket 1: losing socket 0 leaves the pool up.
      expectObservable(client.health$.pipe(map((h) => h.state)), '^-----!').toBe('(icu)-', { i: 'idle', d: 'down', c: 'connecting', u: 'up' });
      expectObservable(client.get('a')).toBe('---#', undefined, new MemcacheConnectionError(`connection to ${SERVER} failed: read ECONNRESET`));
      expectObservable(client.get('b')).toBe('(x|)', { x: 'B' });
      scheduler.flush();
    });
  });

  it('a command handed to a connection in the tick it breaks, not yet written, goes out on its next socket', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        // The first socket answers a, then is reset in the same moment; later sockets serve.
        replies: (n) => (n === 0 ? cold<Buffer>('--(r#)', { r: bytes('VALUE a 16 1\r\nA\r\nEND\r\n') }, reset) : NEVER),
        respond: (data, n) => (n === 0 ? undefined : serve(VALUES)(data)),
      });
      const client = new PooledClient(SERVER, { protocol: 'text', maxPipeline: 2, maxPoolSize: 1, connect: () => fake.transport });
      const seen: string[] = [];
      // c is queued on the connection from a's callback, to be written at the end of the tick.
      client.get('a').subscribe(() => client.get('c').subscribe((v) => seen.push(`${String(v)}@${scheduler.now()}`)));
      const error = new MemcacheConnectionError(`connection to ${SERVER} failed: read ECONNRESET`);
      expectObservable(client.get('b')).toBe('--#', undefined, error);
      scheduler.flush();
      expect(seen).toEqual(['C@2']);
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [0, 0, 'get b\r\n'],
        [2, 1, 'get c\r\n'],
      ]);
    });
  });
});
