import { NEVER } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheClosedError, MemcacheConnectionError, MemcacheIllegalInputError, MemcacheUnexpectedCloseError, RetryingClient } from '../src/index.js';
import { createFakeTransport, type Reply } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// RetryingClient over a real Client on a fake transport: what is written again after a lost
// connection, and what is not.

const SERVER = '127.0.0.1:1';
// A failed connect backs off 2–4 ms, well inside the 10 ms between tries.
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500, backoff: { initial: 4, max: 4 } };

/** A scripted server for the connections after the first: `get a` hits, `incr c 1` answers 2. */
function answer(written: string): Reply {
  const replies = written.split('\r\n').map((line) => (line === 'get a' ? 'VALUE a 16 1\r\nA\r\nEND\r\n' : line === 'incr c 1' ? '2\r\n' : ''));
  return replies.join('') || undefined;
}

describe('RetryingClient over a Client', () => {
  it('a connection lost after the write: the get goes out again on a new connection, the incr is never written twice', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? cold('----|') : NEVER),
        respond: (written, n) => (n === 0 ? undefined : answer(written)),
      });
      const client = new RetryingClient(new Client(SERVER, { ...OPTIONS, connect: () => fake.transport }), { retryDelay: 10, scheduler });
      expectObservable(client.get('a')).toBe('---- 10ms (x|)', { x: 'A' });
      expectObservable(client.incr('c', 1)).toBe('----#', undefined, new MemcacheUnexpectedCloseError(`${SERVER} closed the connection`));
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\nincr c 1\r\n'],
        [14, 1, 'get a\r\n'],
      ]);
    });
  });

  it('with retryWrites: true the incr is written again, and the server would count it twice', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? cold('----|') : NEVER),
        respond: (written, n) => (n === 0 ? undefined : answer(written)),
      });
      const inner = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const client = new RetryingClient(inner, { retryDelay: 10, retryWrites: true, scheduler });
      expectObservable(client.incr('c', 1)).toBe('---- 10ms (x|)', { x: 2n });
      scheduler.flush();
      expect(fake.written()).toEqual(['incr c 1\r\n', 'incr c 1\r\n']);
    });
  });

  it('an incr that never left (the connect failed) is retried by default, and written once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const refused = new Error('connect ECONNREFUSED');
      const fake = createFakeTransport({
        scheduler,
        connectAfter: 3,
        replies: (n) => (n === 0 ? cold('--#', undefined, refused) : NEVER),
        respond: (written) => answer(written),
      });
      const client = new RetryingClient(new Client(SERVER, { ...OPTIONS, connect: () => fake.transport }), { retryDelay: 10, scheduler });
      // Fails at 2 unwritten; tried again at 12 on a new connection, which is up at 15.
      expectObservable(client.incr('c', 1)).toBe('-- 10ms ---(x|)', { x: 2n });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([[15, 1, 'incr c 1\r\n']]);
    });
  });

  it('a rawCommand (a server-wide write) that never left is retried too, and written once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        connectAfter: 3,
        replies: (n) => (n === 0 ? cold('--#', undefined, new Error('connect ECONNREFUSED')) : NEVER),
        respond: () => 'OK\r\n',
      });
      const client = new RetryingClient(new Client(SERVER, { ...OPTIONS, connect: () => fake.transport }), { retryDelay: 10, scheduler });
      expectObservable(client.rawCommand('verbosity 1')).toBe('-- 10ms ---(x|)', { x: new Map([[SERVER, Buffer.from('OK')]]) });
      scheduler.flush();
      expect(fake.written()).toEqual(['verbosity 1\r\n']);
    });
  });

  it('close() reaches the inner client: later commands fail with MemcacheClosedError, never retried', async () => {
    const scheduler = createTestScheduler();
    const fake = createFakeTransport({ scheduler });
    const inner = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
    const client = new RetryingClient(inner, { attempts: 5 });
    await client.close();
    await expect(client.get('a')).rejects.toBeInstanceOf(MemcacheClosedError);
    await expect(inner.get('a')).rejects.toBeInstanceOf(MemcacheClosedError);
    expect(fake.connections).toEqual([]);
  });

  it('takes the inner client’s codec: bad input fails before anything is sent, and options are checked', async () => {
    const scheduler = createTestScheduler();
    const fake = createFakeTransport({ scheduler });
    const inner = new Client(SERVER, { ...OPTIONS, keyPrefix: 'app:', connect: () => fake.transport });
    const client = new RetryingClient(inner);
    expect(client.codec).toBe(inner.codec);
    await expect(client.get('has space')).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    expect(fake.connections).toEqual([]);
    expect(() => new RetryingClient(inner, { attempts: 0 })).toThrow(MemcacheIllegalInputError);
    expect(() => new RetryingClient(inner, { retryFor: [MemcacheConnectionError], doNotRetryFor: [MemcacheClosedError] })).toThrow(
      MemcacheIllegalInputError,
    );
    await client.close();
  });
});
