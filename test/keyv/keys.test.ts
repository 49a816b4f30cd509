import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, type MemcacheClient } from '../../src/index.js';
import { MemcacheKeyvStore } from '../../src/keyv/index.js';
import { generationKey, keyRoom, valueKey } from '../../src/keyv/keys.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

const TOKEN = 'AbCd_-12';

describe('key mapping', () => {
  it('keeps a key memcached can take as it is, after the token', () => {
    expect(valueKey(TOKEN, 'keyv:user:1', 250)).toBe('AbCd_-12:keyv:user:1');
    expect(valueKey(TOKEN, '', 250)).toBe('AbCd_-12:');
    expect(valueKey(TOKEN, 'x'.repeat(241), 250)).toHaveLength(250);
  });

  it.each([
    ['a space', 'keyv:hello world'],
    ['a tab', 'keyv:\t'],
    ['CR LF and a command', 'keyv:a\r\nflush_all'],
    ['DEL', 'keyv:\x7f'],
    ['non-ASCII', 'keyv:ü'],
    ['an emoji', 'keyv:😀'],
    ['one byte too long', 'x'.repeat(242)],
    ['the hash marker', '#abc'],
  ])('hashes a key with %s to 43 characters of SHA-256', (_name, key) => {
    expect(valueKey(TOKEN, key, 250)).toMatch(/^AbCd_-12:#[A-Za-z0-9_-]{43}$/);
  });

  it('maps distinct keys to distinct keys, a plain key never onto a hash', () => {
    const keys = ['a b', 'a  b', 'x'.repeat(300), `${'x'.repeat(299)}y`, '#', '##', 'ü', 'u\u0308'];
    const hashed = valueKey(TOKEN, 'a b', 250).slice(TOKEN.length + 1);
    const all = [...keys, hashed].map((k) => valueKey(TOKEN, k, 250));
    expect(new Set(all).size).toBe(all.length);
  });

  it("leaves room for the client's keyPrefix", () => {
    expect(keyRoom('app:')).toBe(246);
    expect(valueKey(TOKEN, 'x'.repeat(237), keyRoom('app:'))).toHaveLength(246);
    expect(valueKey(TOKEN, 'x'.repeat(237), keyRoom('app::'))).toMatch(/:#/);
    // A long prefix shortens the hash to fit, down to 128 bits (22 characters).
    expect(valueKey(TOKEN, 'a b', keyRoom('p'.repeat(200)))).toHaveLength(50);
    expect(valueKey(TOKEN, 'a b', keyRoom('p'.repeat(218)))).toHaveLength(32);
  });

  it('names one token key per namespace; no namespace is the empty one', () => {
    expect(generationKey('keyv', 250)).toBe('keyv-generation:keyv');
    expect(generationKey(undefined, 250)).toBe(generationKey('', 250));
    expect(generationKey('my namespace', 250)).toMatch(/^keyv-generation:#/);
  });
});

// Every string Keyv accepts is stored and read back distinctly, with no MemcacheIllegalInputError.
const targets: Array<[string, number, string]> = [
  ['Client', 1, ''],
  ['Client with a 200-byte keyPrefix', 1, 'p'.repeat(200)],
  ['HashClient of 3 servers', 3, ''],
];
const ODD_KEYS = ['plain', 'a b', 'tab\t', 'nl\r\nflush_all', 'nul\0', 'ü', '😀', 'x'.repeat(300), `${'x'.repeat(299)}y`, '#hash', '', "'", 'é'.repeat(200)];

describe.each(targets)('odd keys through Keyv on a %s', (_name, count, keyPrefix) => {
  let servers: MemcachedServer[] = [];
  let client: MemcacheClient<unknown>;
  beforeAll(async () => {
    servers = await Promise.all(Array.from({ length: count }, () => startMemcached()));
    const specs = servers.map((s) => s.spec);
    client = count === 1 ? new Client(specs[0] as string, { keyPrefix }) : new HashClient(specs, { keyPrefix });
  });
  afterAll(async () => {
    await client.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('stores and reads back every key, each under its own item', async () => {
    const keyv = new Keyv({ store: new MemcacheKeyvStore(client), namespace: 'odd keys' });
    const errors: unknown[] = [];
    keyv.on('error', (e: unknown) => errors.push(e));
    for (const [i, key] of ODD_KEYS.entries()) expect(await keyv.set(key, i)).toBe(true);
    for (const [i, key] of ODD_KEYS.entries()) expect(await keyv.get(key)).toBe(i);
    expect(await keyv.getMany(ODD_KEYS)).toEqual(ODD_KEYS.map((_, i) => i));
    expect(await keyv.getMany(['a b', 'a b', 'absent'])).toEqual([1, 1, undefined]); // a key asked twice
    expect(await keyv.delete('a b')).toBe(true);
    expect(await keyv.get('a b')).toBeUndefined();
    expect(await keyv.get('a  b')).toBeUndefined();
    expect(errors).toEqual([]);
  });

  // Registered for the cluster only (a single server holds everything by definition).
  if (count === 3) it('spreads a namespace over every server', async () => {
    const keyv = new Keyv({ store: new MemcacheKeyvStore(client), namespace: 'spread' });
    await keyv.setMany(Array.from({ length: 60 }, (_, i) => ({ key: `k${i}`, value: i })));
    const items = [...(await client.stats()).values()].map((s) => Number(s['curr_items']));
    expect(items.every((n) => n > 0)).toBe(true);
  });
});
