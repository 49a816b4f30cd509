import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheSerdeError, serde } from '../../src/index.js';
import type { PythonValue } from '../../src/index.js';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';
import { ensurePymemcache, runPeer } from '../support/python.js';

// Byte-for-byte interop with the real Python pymemcache (Debian python3-pymemcache 3.5.2 under
// /usr/bin/python3): Python writes, rxmemcache reads, and the other way round, through one memcached.
// test/interop/pymemcache_peer.py is the Python side.

let server: MemcachedServer;
let plain: Client<PythonValue>;
let zipped: Client<PythonValue>;
const reply = { noreply: false } as const;
const run = `${process.pid}-${Date.now()}`;

/** The item as memcached holds it, read on a separate socket (independent of the client under test). */
async function rawItem(key: string): Promise<{ flags: number; data: Buffer } | undefined> {
  const text = await rawExchange(server.port, '127.0.0.1', `get ${key}\r\n`, /(^|\r\n)END\r\n$/);
  const head = /^VALUE (\S+) (\d+) (\d+)\r\n/.exec(text);
  if (head === null) return undefined;
  const start = head[0].length;
  const data = Buffer.from(text.slice(start, start + Number(head[3])), 'latin1');
  return { flags: Number(head[2]), data };
}

const bytesOf = (v: unknown): Buffer => {
  if (!Buffer.isBuffer(v)) throw new Error(`expected a Buffer, got ${typeof v}: ${String(v)}`);
  return v;
};

beforeAll(async () => {
  ensurePymemcache();
  server = await startMemcached();
  plain = new Client(server.spec, { serde: serde.python(), timeout: 3000 });
  zipped = new Client(server.spec, { serde: serde.compressed(serde.python()), timeout: 3000 });
}, 120_000);

afterAll(async () => {
  await plain?.close();
  await zipped?.close();
  await server?.stop();
});

describe('Python (pymemcache) writes, rxmemcache reads', () => {
  const prefix = `py2ts-${run}`;
  const key = (name: string): string => `${prefix}:${name}`;

  beforeAll(async () => {
    expect((await runPeer(['write', '127.0.0.1', String(server.port), prefix])).trim()).toBe('ok');
  });

  it('bytes come back as a Buffer equal to the Python bytes (flag 0)', async () => {
    const expected = Buffer.from('\x00\r\n\xff binary', 'latin1');
    expect(expected.length).toBe(11);
    expect((await rawItem(key('bytes')))?.flags).toBe(0);
    expect(bytesOf(await plain.get(key('bytes')))).toEqual(expected);
  });

  it('text comes back as exactly the same JavaScript string (flag 16)', async () => {
    expect(await plain.get(key('ascii'))).toBe('hello');
    expect(await plain.get(key('unicode'))).toBe('héllo wörld ☃ 日本語');
    const raw = await rawItem(key('unicode'));
    expect(raw?.flags).toBe(16);
    expect(raw?.data.toString('hex')).toBe(Buffer.from('héllo wörld ☃ 日本語', 'utf8').toString('hex'));
  });

  it('empty text is an empty string and empty bytes an empty Buffer', async () => {
    expect((await rawItem(key('empty_text')))?.flags).toBe(16);
    expect((await rawItem(key('empty_bytes')))?.flags).toBe(0);
    expect(await plain.get(key('empty_text'))).toBe('');
    expect(bytesOf(await plain.get(key('empty_bytes'))).length).toBe(0);
  });

  it('ints are numbers, and bigints beyond Number.MAX_SAFE_INTEGER (flag 2)', async () => {
    expect((await rawItem(key('small')))?.flags).toBe(2);
    expect(await plain.get(key('small'))).toBe(42);
    expect(await plain.get(key('negative'))).toBe(-7);
    expect(await plain.get(key('above_2_53'))).toBe(9007199254740993n);
    const max = await rawItem(key('u64_max'));
    expect(max?.flags).toBe(2);
    expect(max?.data.toString('latin1')).toBe('18446744073709551615');
    expect(await plain.get(key('u64_max'))).toBe(18446744073709551615n);
  });

  it('a pickle fails only that read with MemcacheSerdeError, or comes back as raw bytes when asked', async () => {
    const raw = await rawItem(key('pickled'));
    expect(raw?.flags).toBe(1);
    await expect(plain.get(key('pickled'))).rejects.toBeInstanceOf(MemcacheSerdeError);
    expect(await plain.get(key('ascii'))).toBe('hello'); // same client, still fine

    const lenient = new Client(server.spec, { serde: serde.python({ pickled: 'bytes' }), timeout: 3000 });
    try {
      const pickle = bytesOf(await lenient.get(key('pickled')));
      expect(pickle[0]).toBe(0x80); // PROTO opcode
      expect(pickle[pickle.length - 1]).toBe(0x2e); // STOP opcode
      expect(pickle).toEqual(raw?.data);
    } finally {
      await lenient.close();
    }
  });

  it('pymemcache really compressed: zlib with flags 24 and 8, the short value left plain (16)', async () => {
    const text = await rawItem(key('compressed_text'));
    expect(text?.flags).toBe(24);
    expect(text?.data[0]).toBe(0x78); // zlib header
    expect(inflateSync(text?.data ?? Buffer.alloc(0)).toString('latin1')).toBe('text '.repeat(500));
    expect((await rawItem(key('compressed_bytes')))?.flags).toBe(8);
    const small = await rawItem(key('compressed_small'));
    expect(small?.flags).toBe(16);
    expect(small?.data.toString('latin1')).toBe('tiny');
  });

  it('serde.compressed(serde.python()) reads the compressed values and the plain ones', async () => {
    expect(await zipped.get(key('compressed_text'))).toBe('text '.repeat(500));
    expect(bytesOf(await zipped.get(key('compressed_bytes')))).toEqual(Buffer.from('\x01\x02'.repeat(1000), 'latin1'));
    expect(await zipped.get(key('compressed_small'))).toBe('tiny');
    expect(await zipped.get(key('unicode'))).toBe('héllo wörld ☃ 日本語');
    expect(await zipped.get(key('u64_max'))).toBe(18446744073709551615n);
  });
});

describe('rxmemcache writes, Python (pymemcache) reads', () => {
  const prefix = `ts2py-${run}`;
  const key = (name: string): string => `${prefix}:${name}`;
  const hex = (bytes: number[]): string => Buffer.from(bytes).toString('hex');

  // name -> [what rxmemcache stores, what pymemcache must read: type, value, flags]
  const cases: Record<string, { value: PythonValue; compressed: boolean; type: string; shown: string; flags: number }> = {
    bytes: { value: Buffer.from([0x00, 0x0d, 0x0a, 0xff, 0x20, 0x62, 0x69, 0x6e]), compressed: false, type: 'bytes', shown: '000d0aff2062696e', flags: 0 },
    ascii: { value: 'hello', compressed: false, type: 'str', shown: 'hello', flags: 16 },
    unicode: { value: 'héllo wörld ☃ 日本語', compressed: false, type: 'str', shown: 'héllo wörld ☃ 日本語', flags: 16 },
    small: { value: 42, compressed: false, type: 'int', shown: '42', flags: 2 },
    negative: { value: -7, compressed: false, type: 'int', shown: '-7', flags: 2 },
    above_2_53: { value: 2n ** 53n + 1n, compressed: false, type: 'int', shown: '9007199254740993', flags: 2 },
    u64_max: { value: 2n ** 64n - 1n, compressed: false, type: 'int', shown: '18446744073709551615', flags: 2 },
    compressed_text: { value: 'text '.repeat(500), compressed: true, type: 'str', shown: 'text '.repeat(500), flags: 24 },
    compressed_bytes: { value: Buffer.from(Array.from({ length: 2000 }, (_, i) => (i % 2 === 0 ? 1 : 2))), compressed: true, type: 'bytes', shown: hex([1, 2]).repeat(1000), flags: 8 },
    compressed_small: { value: 'tiny', compressed: true, type: 'str', shown: 'tiny', flags: 16 },
  };

  interface PeerItem { type: string; value: string; flags: number; raw: string }
  let read: Record<string, PeerItem | null>;

  beforeAll(async () => {
    for (const [name, c] of Object.entries(cases)) {
      expect(await (c.compressed ? zipped : plain).set(key(name), c.value, reply)).toBe(true);
    }
    read = JSON.parse(await runPeer(['read', '127.0.0.1', String(server.port), prefix])) as Record<string, PeerItem | null>;
  });

  it('pymemcache saw every key', () => {
    expect(Object.keys(read).sort()).toEqual(Object.keys(cases).sort());
    for (const [name, item] of Object.entries(read)) expect(item, name).not.toBeNull();
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: pymemcache reads ${c.type} with flags ${c.flags}`, () => {
      const item = read[name];
      const raw = item?.raw ?? '(missing)';
      const shown = raw.length > 96 ? `${raw.slice(0, 96)}… (${raw.length / 2} bytes)` : raw;
      expect({ type: item?.type, value: item?.value, flags: item?.flags }, `stored bytes ${shown}`).toEqual({
        type: c.type,
        value: c.shown,
        flags: c.flags,
      });
    });
  }

  it('compressed items are zlib streams that inflate to the plain serialization', () => {
    const text = Buffer.from(read['compressed_text']?.raw ?? '', 'hex');
    expect(text[0]).toBe(0x78);
    expect(text.length).toBeLessThan(2500);
    expect(inflateSync(text).toString('utf8')).toBe('text '.repeat(500));
    expect(read['compressed_small']?.raw).toBe(Buffer.from('tiny').toString('hex'));
  });
});
