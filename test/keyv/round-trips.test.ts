import Keyv from 'keyv';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Client, HashClient, type MemcacheClient } from '../../src/index.js';
import { MemcacheKeyvStore } from '../../src/keyv/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { recordWaves, type Waves } from './support.js';

// One round trip per Keyv call: what the store sends together overlaps in flight (see recordWaves).
const targets: Array<[string, number]> = [['Client', 1], ['HashClient of 3 servers', 3]];

describe.each(targets)('round trips on a %s', (_name, count) => {
  let servers: MemcachedServer[] = [];
  let client: MemcacheClient<unknown>;
  let waves: Waves;
  let keyv: Keyv;
  const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
  beforeAll(async () => {
    servers = await Promise.all(Array.from({ length: count }, () => startMemcached()));
    const specs = servers.map((s) => s.spec);
    client = count === 1 ? new Client(specs[0] as string) : new HashClient(specs);
    waves = recordWaves(client);
    keyv = new Keyv({ store: new MemcacheKeyvStore(client), namespace: 'rt' });
    await keyv.set('warm', 'up'); // the first command of a namespace reads its token first
  });
  afterAll(async () => {
    await client.close();
    await Promise.all(servers.map((s) => s.stop()));
  });
  beforeEach(() => waves.reset());

  it('getMany: one getMany, the token read with the values', async () => {
    await keyv.getMany(keys);
    expect(waves).toMatchObject({ waves: 1, commands: ['getMany'] });
  });

  it('setMany: one setMany per distinct TTL and the token read, all in one wave', async () => {
    await keyv.setMany(keys.map((key) => ({ key, value: key, ttl: 60_000 })));
    expect(waves).toMatchObject({ waves: 1, commands: ['setMany', 'get'] });
    waves.reset();
    await keyv.setMany(keys.map((key, i) => ({ key, value: key, ...(i % 2 === 0 ? { ttl: 60_000 } : {}) })));
    expect(waves).toMatchObject({ waves: 1, commands: ['setMany', 'setMany', 'get'] });
    expect(await keyv.getMany(keys)).toEqual(keys);
  });

  it('deleteMany: one delete per key (to learn which existed) and the token read, in one wave', async () => {
    await keyv.setMany(keys.map((key) => ({ key, value: key })));
    waves.reset();
    expect(await keyv.deleteMany(keys)).toBe(true);
    expect(waves.waves).toBe(1);
    expect(waves.commands.filter((c) => c === 'delete')).toHaveLength(keys.length);
    expect(await keyv.getMany(keys)).toEqual(keys.map(() => undefined));
  });

  it('get, has, set, delete: one wave each', async () => {
    for (const call of [() => keyv.get('k1'), () => keyv.has('k1'), () => keyv.set('k1', 1), () => keyv.delete('k1'), () => keyv.hasMany(keys)]) {
      waves.reset();
      await call();
      expect(waves.waves).toBe(1);
    }
  });

  it('clear: one command however much the namespace holds (O(1))', async () => {
    await keyv.setMany(Array.from({ length: 500 }, (_, i) => ({ key: `many${i}`, value: i })));
    waves.reset();
    await keyv.clear();
    expect(waves).toMatchObject({ waves: 1, commands: ['set'] });
    expect(await keyv.get('many7')).toBeUndefined();
  });
});
