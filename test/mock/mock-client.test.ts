import { describe, expect, it } from 'vitest';
import {
  MemcacheClient,
  MemcacheClientError,
  MemcacheIllegalInputError,
  MemcacheSerdeError,
  MemcacheServerError,
  serde,
  type Serde,
} from '../../src/index.js';
import { MockMemcacheClient } from '../../src/mock/mock-client.js';
import { only } from '../support/only.js';

// The mock's behaviour through the public surface: what Client does against memcached, in memory.
// Batches, server-wide commands and lifecycle are in mock-client-server.test.ts; expiry timing and
// settling order in mock-client-timing.test.ts.

const reply = { noreply: false } as const;
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('latin1'));

async function statsOf(mock: MockMemcacheClient): Promise<Record<string, unknown>> {
  return only(await mock.stats());
}

describe('the same surface as Client', () => {
  it('is a MemcacheClient: code written against the interface takes it', async () => {
    const remember = async (cache: MemcacheClient<string | Uint8Array>, key: string): Promise<unknown> => {
      await cache.set(key, 'computed');
      return cache.get(key);
    };
    const mock = new MockMemcacheClient();
    expect(mock).toBeInstanceOf(MemcacheClient);
    expect(await remember(mock, 'k')).toBe('computed');
  });

  it.each([
    ['has space', 'a key with a space'],
    ['k'.repeat(251), 'a key over 250 bytes'],
    ['ключ', 'a non-ASCII key without allowUnicodeKeys'],
    ['', 'an empty key'],
    ['tab\there', 'a control character'],
  ])('refuses %j (%s) with MemcacheIllegalInputError before anything reaches the server', async (key) => {
    const mock = new MockMemcacheClient();
    await expect(mock.get(key)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(mock.set(key, 'v')).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(mock.getMany(['fine', key])).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    expect(await statsOf(mock)).toMatchObject({ cmd_get: 0, cmd_set: 0, bytes_read: 'stats\r\n'.length });
  });

  it('counts the prefix toward the 250-byte limit, stores under it, and answers by the caller keys', async () => {
    const mock = new MockMemcacheClient({ keyPrefix: 'app:' });
    await expect(mock.get('k'.repeat(247))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await mock.set('a', 'A');
    await mock.set(Buffer.from('b'), 'B');
    expect(mock.memory.peek('app:a')).toMatchObject({ key: 'app:a', flags: 16 });
    expect(mock.memory.peek('a')).toBeUndefined();
    expect(await mock.getMany(['a', 'missing', 'b'])).toEqual(new Map([['a', 'A'], ['b', 'B']]));
  });

  it('takes unicode keys with allowUnicodeKeys, as UTF-8 on the wire', async () => {
    const mock = new MockMemcacheClient({ allowUnicodeKeys: true });
    await mock.set('ключ', 'v');
    expect(await mock.get('ключ')).toBe('v');
    expect(mock.memory.peek(Buffer.from('ключ', 'utf8').toString('latin1'))).toBeDefined();
  });

  it('stores routed keys under their second part', async () => {
    const mock = new MockMemcacheClient();
    await mock.set(['user:1', 'user:1:name'], 'Ada');
    expect(await mock.get('user:1:name')).toBe('Ada');
    const pair = ['user:1', 'user:1:name'] as const;
    const hits = await mock.getMany([pair]);
    expect(hits.get(pair)).toBe('Ada');
  });
});

describe('serdes and flags', () => {
  it('stores strings with flag 16 and bytes with flag 0, and reads each back as stored (default serde)', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('s', 'text');
    await mock.set('b', Uint8Array.of(1, 2, 3));
    expect(mock.memory.peek('s')).toMatchObject({ flags: 16 });
    expect(mock.memory.peek('b')).toMatchObject({ flags: 0 });
    expect(await mock.get('s')).toBe('text');
    expect(await mock.get('b')).toEqual(Buffer.from([1, 2, 3]));
  });

  it('a number is not silently kept as an object (pymemcache #649): the default serde refuses it', async () => {
    const mock = new MockMemcacheClient<unknown>({ serde: serde.defaultSerde as Serde<unknown> });
    await expect(mock.set('n', 3)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
  });

  it('round-trips through a custom serde, and the flags option overrides the serde flags', async () => {
    const mock = new MockMemcacheClient<{ n: number }>({ serde: serde.json<{ n: number }>() });
    await mock.set('j', { n: 1 });
    expect(await mock.get('j')).toEqual({ n: 1 });
    await mock.set('f', { n: 2 }, { flags: 7 });
    expect(mock.memory.peek('f')).toMatchObject({ flags: 7 });
  });

  it('uses pymemcache-style serializer/deserializer functions', async () => {
    const mock = new MockMemcacheClient<number>({
      serializer: (_key, value) => [Buffer.from(String(value)), 2],
      deserializer: (_key, value, flags) => (flags === 2 ? Number(value.toString()) : NaN),
    });
    await mock.set('n', 41);
    expect(await mock.incr('n', 1)).toBe(42n);
    expect(await mock.get('n')).toBe(42);
  });

  it('an item the serde cannot read fails with MemcacheSerdeError, or is a miss under ignoreExc', async () => {
    const broken: Serde<string> = { serialize: (_k, v) => ({ value: Buffer.from(v), flags: 0 }), deserialize: () => { throw new Error('no'); } };
    const strict = new MockMemcacheClient({ serde: broken });
    await strict.set('k', 'v');
    await expect(strict.get('k')).rejects.toBeInstanceOf(MemcacheSerdeError);
    const lenient = new MockMemcacheClient({ serde: broken, ignoreExc: true });
    await lenient.set('k', 'v');
    expect(await lenient.get('k', 'fallback')).toBe('fallback');
  });
});

describe('cas', () => {
  it('stores with a fresh token, refuses a stale one (false) and a gone item (null)', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('k', 'v1');
    const first = await mock.gets('k');
    expect(first).toEqual({ value: 'v1', cas: expect.stringMatching(/^[0-9]+$/) as unknown });
    expect(await mock.cas('k', 'v2', first.cas as string)).toBe(true);
    expect(await mock.cas('k', 'v3', first.cas as string)).toBe(false);
    expect(await mock.get('k')).toBe('v2');
    const second = await mock.gets('k');
    await mock.delete('k');
    expect(await mock.cas('k', 'v4', second.cas as string)).toBe(null);
    expect(await statsOf(mock)).toMatchObject({ cas_hits: 1, cas_badval: 1, cas_misses: 1 });
  });

  it('every change takes a new token; touch and reads keep it; a miss gives the defaults', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('n', '1');
    const tokens = [(await mock.gets('n')).cas];
    await mock.touch('n', 100);
    tokens.push((await mock.gats('n', 200)).cas);
    await mock.incr('n', 1);
    tokens.push((await mock.gets('n')).cas);
    await mock.append('n', '0');
    tokens.push((await mock.getsMany(['n'])).get('n')?.cas);
    expect(tokens[0]).toBe(tokens[1]);
    expect(new Set(tokens).size).toBe(3);
    expect(await mock.gets('missing', 'none', 'no-cas')).toEqual({ value: 'none', cas: 'no-cas' });
  });
});

describe('incr and decr', () => {
  it('wrap at 2^64 going up, stop at 0 going down, and answer null for a missing key', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('n', '18446744073709551615');
    expect(await mock.incr('n', 1)).toBe(0n);
    await mock.set('d', '5');
    expect(await mock.decr('d', 10n)).toBe(0n);
    expect(await mock.incr('missing', 1)).toBe(null);
    expect(await mock.decr('missing', 1)).toBe(null);
  });

  it('refuse a non-numeric value with the server error, and pad a shorter result as memcached does', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('t', 'abc');
    const error = await mock.incr('t', 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheClientError);
    expect((error as Error).message).toBe('cannot increment or decrement non-numeric value');
    await mock.set('h', '100');
    expect(await mock.decr('h', 1)).toBe(99n);
    expect(await mock.get('h')).toBe('99 ');
  });
});

describe('storage commands and noreply', () => {
  it('append/prepend keep the original flags; on a missing key they are not stored', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('k', Uint8Array.of(0x6d));
    expect(await mock.append('k', '>', reply)).toBe(true);
    expect(await mock.prepend('k', '<', reply)).toBe(true);
    expect(text(mock.memory.peek('k')?.value)).toBe('<m>');
    expect(mock.memory.peek('k')?.flags).toBe(0);
    expect(await mock.append('missing', 'x', reply)).toBe(false);
    expect(await mock.prepend('missing', 'x', reply)).toBe(false);
  });

  it('noreply (the default) resolves true without the answer on protocol text; noreply: false tells', async () => {
    const mock = new MockMemcacheClient({ protocol: 'text' });
    await mock.add('k', 'first');
    expect(await mock.add('k', 'second')).toBe(true);
    expect(await mock.add('k', 'second', reply)).toBe(false);
    expect(await mock.replace('missing', 'x')).toBe(true);
    expect(await mock.delete('missing')).toBe(true);
    expect(await mock.delete('missing', reply)).toBe(false);
    expect(await mock.get('k')).toBe('first');
    expect(await mock.get('missing')).toBeUndefined();
  });

  it('defaultNoreply: false makes every write wait for its answer', async () => {
    const mock = new MockMemcacheClient({ defaultNoreply: false });
    await mock.set('k', 'v');
    expect(await mock.add('k', 'again')).toBe(false);
    expect(await mock.touch('missing', 10)).toBe(false);
  });

  it('a value over the item size limit fails before it is sent; with a looser client limit the server refuses and drops the old item', async () => {
    const small = new MockMemcacheClient({ itemSizeMax: 2048 });
    await expect(small.set('k', 'x'.repeat(2048))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    const loose = new MockMemcacheClient({ itemSizeMax: 2048, maxValueSize: 4096 });
    await loose.set('k', 'old');
    await expect(loose.set('k', 'x'.repeat(3000), reply)).rejects.toBeInstanceOf(MemcacheServerError);
    expect(await loose.get('k')).toBeUndefined();
    expect(only(await loose.stats('settings'))).toMatchObject({ item_size_max: 2048 });
  });

  it.each([100, 1.5, 2 ** 31])('refuses itemSizeMax %s at construction', (itemSizeMax) => {
    expect(() => new MockMemcacheClient({ itemSizeMax })).toThrow(MemcacheIllegalInputError);
  });
});

describe('the meta protocol', () => {
  it("protocol 'meta' (and 'auto', the default, which finds the emulated 1.6.18 speaks it) sends quiet writes that still tell the truth", async () => {
    const textMock = new MockMemcacheClient({ protocol: 'text' });
    const metaMock = new MockMemcacheClient({ protocol: 'meta', sameServerAs: textMock });
    const autoMock = new MockMemcacheClient({ protocol: 'auto', sameServerAs: textMock });
    expect([textMock, metaMock, autoMock].map((m) => m.codec.options.protocol)).toEqual(['text', 'meta', 'meta']);
    await textMock.set('k', 'v', reply);
    // noreply: text cannot know the add was refused; a quiet meta add hears its NS.
    expect(await textMock.add('k', 'x')).toBe(true);
    expect(await metaMock.add('k', 'x')).toBe(false);
    expect(await autoMock.add('fresh', 'y')).toBe(true);
    expect(await textMock.getMany(['k', 'fresh'])).toEqual(new Map([['k', 'v'], ['fresh', 'y']]));
  });

  it('meta commands on binary keys reach the same items as the text commands on their bytes', async () => {
    const mock = new MockMemcacheClient();
    expect((await mock.metaSet(Buffer.from('abc'), 'bin')).stored).toBe(true);
    expect(await mock.get('abc')).toBe('bin');
    expect(await mock.metaGet(Uint8Array.of(0, 255, 10), { vivify: 30 })).toMatchObject({ hit: false, won: true });
    expect(mock.memory.peek('\x00\xff\n')).toMatchObject({ value: new Uint8Array(0), flags: 0 });
  });
});
