import { describe, expect, it } from 'vitest';
import { Client, MemcacheServerError } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// A command refused in one line of its own (not an ERROR line) fails typed, and the connection keeps
// serving: the line was the whole reply. A fake server, because memcached 1.6.18 gives this answer
// only when its slab allocator cannot move to the new limit.

describe('one-line refusals', () => {
  it('cache_memlimit answered MEMLIMIT_ADJUST_FAILED fails with MemcacheServerError; the next command is served on the same connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        respond: (written) =>
          written.startsWith('cache_memlimit') ? 'MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust\r\n' : written.startsWith('version') ? 'VERSION 1.6.18\r\n' : undefined,
      });
      const client = new Client('127.0.0.1:1', { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(client.cacheMemlimit(64)).toBe('#', undefined, new MemcacheServerError('MEMLIMIT_ADJUST_FAILED out of bounds or unable to adjust'));
      expectObservable(client.version(), '1ms ^').toBe('1ms (v|)', { v: new Map([['127.0.0.1:1', '1.6.18']]) });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });
});
