import { describe, expect, it } from 'vitest';
import { HashClient, MemcacheClusterError, MemcacheIllegalInputError, type Serde } from '../../src/index.js';
import { clusterFixture, itemCount } from './servers.js';

// What a HashClient write promises: it was carried out, or the caller hears that it was not.
const { start, track } = clusterFixture();
const reply = { noreply: false } as const;
// Servers stay in the ring while they fail, so every command really tries the stopped one.
const STAY = { timeout: 1000, connectTimeout: 1000, retryAttempts: 100, retryTimeout: 0 } as const;

describe('ignoreExc turns failed reads into misses, never failed writes into successes', () => {
  it('with one of two servers stopped, multi-key writes fail naming its keys; reads are misses', async () => {
    const servers = await start(2);
    const cluster = track(new HashClient(servers.map((s) => s.spec), { ...STAY, ignoreExc: true }));
    const keys = Array.from({ length: 40 }, (_, i) => `w:${i}`);
    await cluster.setMany(keys.map((k) => [k, 'v'] as const), reply);
    const down = servers[0]!;
    const downKeys = keys.filter((k) => cluster.serverFor(k) === down.spec).sort();
    await down.stop();

    const deleted = await cluster.deleteMany(keys, reply).catch((e: unknown) => e);
    expect(deleted).toBeInstanceOf(MemcacheClusterError);
    expect([...(deleted as MemcacheClusterError).failedKeys].sort()).toEqual(downKeys);
    const noreplyDelete = await cluster.deleteMany(keys).catch((e: unknown) => e);
    expect(noreplyDelete).toBeInstanceOf(MemcacheClusterError);
    const stored = await cluster.setMany(keys.map((k) => [k, 'again'] as const), reply).catch((e: unknown) => e);
    expect(stored).toBeInstanceOf(MemcacheClusterError);
    expect((stored as MemcacheClusterError).partial).toEqual([]);
    await expect(cluster.flushAll()).rejects.toBeInstanceOf(MemcacheClusterError);
    await expect(cluster.set(downKeys[0]!, 'x', reply)).rejects.toThrow();

    expect((await cluster.getMany(keys)).size).toBe(0); // flushAll did empty the live server
    expect(await cluster.get(downKeys[0]!, 'miss')).toBe('miss');
    expect([...(await cluster.stats()).keys()]).toEqual([servers[1]!.spec]);
  });
});

describe('setMany checks every value before any server is sent anything', () => {
  const keys = Array.from({ length: 30 }, (_, i) => `s:${i}`);

  it('a value over maxValueSize fails the batch with MemcacheIllegalInputError and nothing is stored', async () => {
    const servers = await start(3);
    for (const ignoreExc of [false, true]) {
      const cluster = track(new HashClient(servers.map((s) => s.spec), { maxValueSize: 1000, ignoreExc }));
      // The last key's server is asked last, after the others already had their shares.
      const entries = keys.map((k, i) => [k, i === keys.length - 1 ? 'x'.repeat(1001) : 'ok'] as const);
      await expect(cluster.setMany(entries, reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      await expect(cluster.setMany(entries)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    }
    expect(await Promise.all(servers.map(itemCount))).toEqual([0, 0, 0]);
  });

  it('a value the serde refuses fails the batch with MemcacheIllegalInputError and nothing is stored', async () => {
    const servers = await start(3);
    const picky: Serde<string> = {
      serialize: (_key, value) => {
        if (value === 'poison') throw new Error('cannot store poison');
        return { value: Buffer.from(value), flags: 0 };
      },
      deserialize: (_key, bytes) => bytes.toString(),
    };
    const cluster = track(new HashClient<string>(servers.map((s) => s.spec), { serde: picky }));
    const entries = keys.map((k, i) => [k, i === keys.length - 1 ? 'poison' : 'ok'] as const);
    const error = await cluster.setMany(entries, reply).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheIllegalInputError);
    expect((error as Error).cause).toEqual(new Error('cannot store poison'));
    expect(await Promise.all(servers.map(itemCount))).toEqual([0, 0, 0]);
  });
});
