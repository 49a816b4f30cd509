import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';

// Inputs that memcached 1.6.18 accepts and then silently mishandles, shown with raw bytes on a socket of
// their own. That every client refuses them before sending anything is in the contract suite
// (test/contract/inputs.contract.test.ts).
let server: MemcachedServer;
const raw = (request: string): Promise<string> => rawExchange(server.port, '127.0.0.1', request, /END\r\n$|ERROR.*\r\n$/);
const TOO_LATE = 2 ** 31; // 2038-01-19T03:14:08Z as a Unix time

beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server.stop();
});

describe('exptime is a signed 32-bit integer on the server', () => {
  it('the server stores an exptime of 2^31 as already expired, and one below -2^31 as far future', async () => {
    expect(await raw(`set late 0 ${TOO_LATE} 1\r\nx\r\nget late\r\n`)).toBe('STORED\r\nEND\r\n');
    expect(await raw('set wraps 0 -2147483649 1\r\nx\r\nget wraps\r\n')).toBe('STORED\r\nVALUE wraps 0 1\r\nx\r\nEND\r\n');
    expect(await raw(`set edge 0 ${2 ** 31 - 1} 1\r\nx\r\nget edge\r\n`)).toBe('STORED\r\nVALUE edge 0 1\r\nx\r\nEND\r\n');
  });

  it('flush_all with a delay of 2^31 flushes at once on the server', async () => {
    expect(await raw('set survivor 0 0 1\r\nv\r\nget survivor\r\n')).toBe('STORED\r\nVALUE survivor 0 1\r\nv\r\nEND\r\n');
    expect(await raw(`flush_all ${TOO_LATE}\r\nget survivor\r\n`)).toBe('OK\r\nEND\r\n');
  });
});
