import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MAX_BINARY_KEY_LENGTH } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// Binary keys (base64 with `b`) on a real memcached 1.6.18: every byte value is a key of its own, and
// a binary key is the same item as the text key of the same bytes (memcached stores the decoded bytes).
let server: MemcachedServer;
let client: Client;

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 32 });
  client = new Client(server.spec, { timeout: 10_000 });
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const BYTES = Array.from({ length: 256 }, (_, b) => b);
const hex = (key: Uint8Array): string => Buffer.from(key).toString('hex');

describe('binary keys', () => {
  it('each of the 256 byte values, alone and inside a longer key, is a distinct key', async () => {
    const alone = BYTES.map((b) => Uint8Array.of(b));
    const inside = BYTES.map((b) => Uint8Array.of(0x6b, b, 0x6b, b));
    const keys = [...alone, ...inside];
    const stored = await Promise.all(keys.map((key) => client.metaSet(key, `value ${hex(key)}`)));
    expect(stored.every((r) => r.stored)).toBe(true);
    const read = await Promise.all(keys.map((key) => client.metaGet(key, { size: true })));
    for (const [i, key] of keys.entries()) {
      expect(read[i], hex(key)).toMatchObject({ hit: true, value: `value ${hex(key)}`, key });
    }
    expect((await Promise.all(alone.map((key) => client.metaDelete(key)))).every((r) => r.deleted)).toBe(true);
    expect((await Promise.all(inside.map((key) => client.metaGet(key)))).every((r) => r.hit)).toBe(true);
  });

  it('a binary key of printable bytes reaches the item the text key of the same bytes names', async () => {
    const text = `bin-as-text-${Date.now()}`;
    await client.set(text, 'via text', { noreply: false });
    expect((await client.metaGet(Buffer.from(text, 'latin1'))).value).toBe('via text');
    await client.metaSet(Buffer.from(text, 'latin1'), 'via meta');
    expect(await client.get(text)).toBe('via meta');
  });

  it('random byte keys up to the limit: each reads back its own value, byte for byte', async () => {
    let run = 0;
    const keysArb = fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: MAX_BINARY_KEY_LENGTH - 4 }), { minLength: 1, maxLength: 20, selector: hex });
    await fc.assert(
      fc.asyncProperty(keysArb, fc.uint8Array({ maxLength: 64 }), async (bodies, value) => {
        // A 4-byte run number first: keys of earlier runs cannot answer for this one's.
        const tag = Buffer.alloc(4);
        tag.writeUInt32BE(++run);
        const keys = bodies.map((body) => Buffer.concat([tag, body]));
        const values = keys.map((key) => Buffer.concat([key, Buffer.from(value)]));
        const stored = await Promise.all(keys.map((key, i) => client.metaSet(key, values[i] as Buffer)));
        expect(stored.every((r) => r.stored)).toBe(true);
        const read = await Promise.all(keys.map((key) => client.metaGet(key)));
        for (const [i, r] of read.entries()) {
          expect(r.hit).toBe(true);
          expect(Buffer.from(r.value as Uint8Array).equals(values[i] as Buffer)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
