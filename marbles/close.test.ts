import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheClosedError } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// close(): what is in flight finishes, then `quit` goes out through writer.end() and the link is released.

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500 };

describe('close()', () => {
  it('lets the in-flight get finish, then ends the transport with quit; later commands fail with MemcacheClosedError', async () => {
    const scheduler = createTestScheduler();
    let closing: Promise<void> | undefined;
    let client: Client | undefined;
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const replies = cold('-----r', { r: bytes('VALUE a 16 1\r\nA\r\nEND\r\n') });
      const fake = createFakeTransport({ scheduler, replies });
      const c = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      client = c;
      scheduler.schedule(() => {
        closing = c.close();
      }, 2);
      expectObservable(c.health$.pipe(map((h) => h.state)), '^------!').toBe('(icu)d', { i: 'idle', d: 'down', c: 'connecting', u: 'up' });
      expectObservable(c.get('a')).toBe('-----(x|)', { x: 'A' });
      expectObservable(c.get('b'), '---^').toBe('---#', undefined, new MemcacheClosedError(`the client for ${SERVER} is closed`));
      expectSubscriptions(replies.subscriptions).toBe('^----!');
      scheduler.flush();
      expect(fake.written()).toEqual(['get a\r\n']);
      expect(fake.ends).toEqual([{ time: 5, connection: 0, data: 'quit\r\n' }]);
    });
    await closing;
    await expect(client?.get('c')).rejects.toBeInstanceOf(MemcacheClosedError);
  });

  it('with nothing in flight, close ends the transport at once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: () => 'END\r\n', respondAfter: 1 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a', null)).toBe('-(x|)', { x: null });
      scheduler.schedule(() => void client.close(), 3);
      scheduler.flush();
      expect(fake.ends).toEqual([{ time: 3, connection: 0, data: 'quit\r\n' }]);
      expect(fake.connections).toEqual([{ subscribedAt: 0, unsubscribedAt: 3 }]);
    });
  });
});
