import { describe, expect, it } from 'vitest';
import { HashClient, MemcacheClusterError, MemcacheSerdeError, type Serde } from '../../src/index.js';
import { clusterFixture } from './servers.js';

// Reads under ignoreExc: what cannot be read is a miss for its own key only, as with a plain Client.
const { start, track } = clusterFixture();
const reply = { noreply: false } as const;

/** Stores strings; reads back every item except those holding 'garbage'. */
const picky: Serde<string> = {
  serialize: (_key, value) => ({ value: Buffer.from(value), flags: 0 }),
  deserialize: (_key, bytes) => {
    if (bytes.toString() === 'garbage') throw new Error('cannot read garbage');
    return bytes.toString();
  },
};

describe('an unreadable item', () => {
  const keys = Array.from({ length: 30 }, (_, i) => `r:${i}`);
  const bad = 'r:7';

  it('under ignoreExc is a miss for its key alone, in every read command', async () => {
    const specs = (await start(2)).map((s) => s.spec);
    const legacy = { serializer: picky.serialize, deserializer: picky.deserialize };
    for (const lenient of [new HashClient<string>(specs, { serde: picky, ignoreExc: true }), new HashClient<string>(specs, { ...legacy, ignoreExc: true })]) {
      track(lenient);
      await lenient.setMany(keys.map((k) => [k, k === bad ? 'garbage' : `v:${k}`] as const), reply);
      const all = await lenient.getMany(keys);
      expect([...all.keys()].sort()).toEqual(keys.filter((k) => k !== bad).sort());
      expect((await lenient.getsMany(keys)).size).toBe(keys.length - 1);
      expect(await lenient.get(bad, 'default')).toBe('default');
      expect(await lenient.gat(bad, 60, 'default')).toBe('default');
      expect(await lenient.gets(bad, 'default', 'no-cas')).toEqual({ value: 'default', cas: 'no-cas' });
      expect(await lenient.get('r:8')).toBe('v:r:8');
    }
  });

  it('without ignoreExc fails its read, and fails the share that holds it', async () => {
    const specs = (await start(2)).map((s) => s.spec);
    const strict = track(new HashClient<string>(specs, { serde: picky }));
    await strict.setMany(keys.map((k) => [k, k === bad ? 'garbage' : `v:${k}`] as const), reply);
    await expect(strict.get(bad)).rejects.toBeInstanceOf(MemcacheSerdeError);
    const error = await strict.getMany(keys).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheClusterError);
    expect((error as MemcacheClusterError).cause).toBeInstanceOf(MemcacheSerdeError);
    expect((error as MemcacheClusterError).failedKeys).toContain(bad);
  });
});
