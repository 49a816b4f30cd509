import { expect } from 'vitest';
import { MemcacheIllegalInputError, MemcacheUnknownCommandError } from '../../src/index.js';
import { only } from '../support/only.js';
import { contract, eachServer, rejectsOnEveryServer } from './contract.js';

// Server-wide commands on every client: each resolves to a Map by server name, one entry per server
// the client answers from, and every entry is checked.
const reply = { noreply: false } as const;

contract('server-wide commands', (t) => {
  t.it('stats, with sub-commands, values converted', async () => {
    for (const [name, general] of eachServer(t, await t.client.stats())) {
      expect(general['pid']).toBe(t.answering.get(name));
      expect(typeof general['version']).toBe('string');
      expect(typeof general['rusage_user']).toBe('number');
    }
    for (const [, settings] of eachServer(t, await t.client.stats('settings'))) {
      expect(settings['cas_enabled']).toBe(true);
      expect(typeof settings['growth_factor']).toBe('number');
    }
    for (const [, slabs] of eachServer(t, await t.client.stats('slabs'))) expect(typeof slabs['active_slabs']).toBe('number');
    // Every server holds items once 100 keys were spread over them (each misses all 100 with odds 3·(2/3)^100).
    await t.client.setMany(Array.from({ length: 100 }, () => [t.fresh(), 'item'] as const), reply);
    for (const [, items] of eachServer(t, await t.client.stats('items'))) {
      expect(Object.keys(items).some((k) => k.startsWith('items:'))).toBe(true);
    }
  });

  t.it('version and cacheMemlimit answer for every server', async () => {
    for (const [, version] of eachServer(t, await t.client.version())) expect(version).toMatch(/^1\.6\./);
    for (const [, done] of eachServer(t, await t.client.cacheMemlimit(64))) expect(done).toBe(true);
  });

  t.it("rawCommand returns the key's server's reply up to the end tokens; an unknown command fails typed", async () => {
    const k = t.fresh();
    await t.client.set(k, 'raw\r\nvalue', reply);
    const rawGet = only(await t.client.rawCommand(`get ${k}`, { endTokens: 'END\r\n', key: k }));
    expect(rawGet.toString('latin1')).toBe(`VALUE ${k} 16 10\r\nraw\r\nvalue\r\n`);
    expect(only(await t.client.rawCommand(`mg ${k} v`, { key: k })).toString('latin1')).toBe('VA 10\r\nraw\r\nvalue');
    await rejectsOnEveryServer(t, t.client.rawCommand('definitely_not_a_command'), MemcacheUnknownCommandError);
  });

  t.it('cacheMemlimit refuses what memcached would refuse, before sending', async () => {
    for (const megabytes of [0, 7, 1_000_000_001, 2 ** 32, 64.5]) {
      const error = await t.client.cacheMemlimit(megabytes).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheIllegalInputError);
      expect((error as Error).message).toMatch(/8\.\.1000000000/);
    }
    for (const [, done] of eachServer(t, await t.client.cacheMemlimit(8))) expect(done).toBe(true);
    for (const [, done] of eachServer(t, await t.client.cacheMemlimit(64))) expect(done).toBe(true);
  });

  t.it('stats reset answers with no statistics, and the counters start again', async () => {
    const k = t.fresh();
    await t.client.set(k, 'v', reply);
    expect(await t.client.get(k)).toBe('v');
    for (const [, none] of eachServer(t, await t.client.stats('reset'))) expect(none).toEqual({});
    for (const [, general] of eachServer(t, await t.client.stats())) expect(general['get_hits']).toBe(0);
    expect(await t.client.get(k)).toBe('v');
  });

  t.it('flushAll empties the cache', async () => {
    // Other tests of this file use their own keys and run before or after this one, never during it.
    const keys = Array.from({ length: 30 }, () => t.fresh());
    await t.client.setMany(keys.map((k) => [k, 'y'] as const), reply);
    for (const [, flushed] of eachServer(t, await t.client.flushAll(0, reply))) expect(flushed).toBe(true);
    expect(await t.client.get(keys[0] as string)).toBeUndefined();
    expect(await t.client.getMany(keys)).toEqual(new Map());
    for (const [, flushed] of eachServer(t, await t.client.flushAll())) expect(flushed).toBe(true);
  });
});
