import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheIllegalInputError, MemcacheServerError, type MemcacheError } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// memcached's item size limit (-I) covers the whole item, not just the value. A set over it is refused
// and, worse, deletes the value already stored under the key; with noreply nothing is said at all.
// append/prepend joins over the limit are in the contract suite (test/contract/storage.contract.test.ts).
const MiB = 1024 * 1024;
const reply = { noreply: false } as const;

/** One `set` over its own socket: true when the server answers STORED. */
function rawSet(port: number, key: string, flags: number, size: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (!answer.endsWith('\r\n')) return;
      socket.destroy();
      resolve(answer === 'STORED\r\n');
    });
    socket.write(Buffer.concat([Buffer.from(`set ${key} ${flags} 0 ${size}\r\n`), Buffer.alloc(size, 0x78), Buffer.from('\r\n')]));
  });
}

const servers: Record<'1m' | '2m', MemcachedServer | undefined> = { '1m': undefined, '2m': undefined };
const serverFor = (limit: '1m' | '2m'): MemcachedServer => servers[limit] as MemcachedServer;
beforeAll(async () => {
  servers['1m'] = await startMemcached({ maxItemSize: '1m' });
  servers['2m'] = await startMemcached({ maxItemSize: '2m' });
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s?.stop()));
});

describe.each([
  ['1m', MiB],
  ['2m', 2 * MiB],
] as const)('memcached 1.6.18 -I %s', (limit, bytes) => {
  // The numbers README's "Value size" section states: 59 bytes of overhead with flags 0, 63 otherwise.
  it.each([
    [1, 0, 59],
    [1, 16, 63],
    [10, 16, 63],
    [250, 0, 59],
    [250, 0xffffffff, 63],
  ])('key of %i bytes, flags %i: the largest value that stores is the limit - key - %i', async (keyLength, flags, overhead) => {
    const { port } = serverFor(limit);
    const key = 'k'.repeat(keyLength);
    const largest = bytes - keyLength - overhead;
    expect(await rawSet(port, key, flags, largest)).toBe(true);
    expect(await rawSet(port, key, flags, largest + 1)).toBe(false);
  });

  it.each([
    ['a one-byte key', 'k', ''],
    ['a 250-byte key with a prefix', 'k'.repeat(246), 'app:'],
  ])('maxValueSize = -I: with %s the largest value the client allows stores, one byte more is refused', async (_name, key, keyPrefix) => {
    const client = new Client(serverFor(limit).spec, { maxValueSize: bytes, keyPrefix });
    try {
      const largest = bytes - (keyPrefix.length + key.length) - 63;
      await client.set(key, 'old', reply);
      const refused = await client.set(key, 'x'.repeat(largest + 1)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(MemcacheIllegalInputError);
      expect((refused as Error).message).toContain(`at most ${largest} bytes fit`);
      expect(await client.get(key)).toBe('old'); // nothing was sent, so nothing was deleted
      expect(await client.set(key, 'y'.repeat(largest))).toBe(true);
      expect((await client.get(key))?.length).toBe(largest);
    } finally {
      await client.close();
    }
  });

  it('a value of exactly the limit is refused before sending, and the old value stays', async () => {
    const client = new Client(serverFor(limit).spec, { maxValueSize: bytes });
    try {
      await client.set('k', 'old', reply);
      await expect(client.set('k', Buffer.alloc(bytes))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      await expect(client.setMany([['k', Buffer.alloc(bytes)]])).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      expect(await client.get('k')).toBe('old');
    } finally {
      await client.close();
    }
  });
});

describe('a maxValueSize above the server -I', () => {
  it('an over-size set deletes the old value; with noreply the server sends nothing, so noreplyErrors$ stays empty', async () => {
    const client = new Client(serverFor('1m').spec, { protocol: 'text', maxValueSize: 2 * MiB });
    const noreplyErrors: MemcacheError[] = [];
    const watching = client.noreplyErrors$.subscribe((e) => noreplyErrors.push(e));
    try {
      await client.set('k', 'old', reply);
      await expect(client.set('k', Buffer.alloc(MiB), reply)).rejects.toThrow(MemcacheServerError);
      expect(await client.get('k')).toBeUndefined();

      await client.set('k', 'old', reply);
      expect(await client.set('k', Buffer.alloc(MiB))).toBe(true); // noreply: resolves once written
      // The get goes after the noreply fence (`mn`), so by its reply any error would have arrived.
      expect(await client.get('k')).toBeUndefined();
      expect(noreplyErrors).toEqual([]);
    } finally {
      watching.unsubscribe();
      await client.close();
    }
  });
});
