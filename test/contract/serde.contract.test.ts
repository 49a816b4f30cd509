import { expect } from 'vitest';
import { MemcacheIllegalInputError, MemcacheSerdeError, serde, type Serde } from '../../src/index.js';
import { contract, failsWith, type Bound } from './contract.js';

// Serdes and flags on every client; peeks show the flags stored with each item.
const reply = { noreply: false } as const;

const flagsOf = async (t: Bound, key: string): Promise<number | undefined> => {
  const match = /^VALUE \S+ (\d+) /.exec(await t.peek(key));
  return match === null ? undefined : Number(match[1]);
};

type Doc = string | { readonly [k: string]: unknown };
const json: Serde<Doc> = {
  serialize: (_key, value) =>
    typeof value === 'string' ? { value: Buffer.from(value), flags: 1 } : { value: Buffer.from(JSON.stringify(value)), flags: 2 },
  deserialize: (_key, bytes, flags) => {
    if (flags === 1) return bytes.toString('utf8');
    if (flags === 2) return JSON.parse(bytes.toString('utf8')) as Doc;
    throw new Error(`unknown flags ${flags}`);
  },
};

contract('serde and flags', (t) => {
  t.it('flags option overrides the serde flags and round-trips', async () => {
    const k = t.fresh();
    await t.client.set(k, Buffer.from('raw'), { ...reply, flags: 4242 });
    expect((await t.peek(k)).startsWith(`VALUE ${k} 4242 3\r\n`)).toBe(true);
  });

  t.it('a custom serde round-trips, and a failing deserialize fails only that command', async () => {
    const client = t.make<Doc>({ serde: json });
    const [doc, txt, alien] = [t.fresh(), t.fresh(), t.fresh()];
    await client.set(doc, { a: 'b', n: [1, 2] }, reply);
    await client.set(txt, 'plain', reply);
    expect(await t.peek(doc)).toContain(`VALUE ${doc} 2 `);
    expect(await client.get(doc)).toEqual({ a: 'b', n: [1, 2] });
    expect(await client.get(txt)).toBe('plain');
    await t.client.set(alien, Buffer.from('x'), { ...reply, flags: 99 });
    const error = await client.get(alien).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheSerdeError);
    expect(((error as MemcacheSerdeError).cause as Error).message).toBe('unknown flags 99');
    expect(await client.get(txt)).toBe('plain'); // connection unaffected
  });

  t.it('v8 stores rich values under flag 512 and reads them back deep-equal', async () => {
    const client = t.make<unknown>({ serde: serde.v8() });
    const k = t.fresh();
    const value = { when: new Date(0), seen: new Map([['ada', new Set([1, 2])]]), big: 2n ** 70n, bytes: new Uint8Array([1, 2]) };
    await client.set(k, value, reply);
    expect(await client.get(k)).toEqual(value);
    expect(await flagsOf(t, k)).toBe(serde.FLAG_V8);
  });

  t.it('json is typed, strict before any byte is sent, and flagged 256', async () => {
    interface User {
      readonly name: string;
      readonly tags: readonly string[];
    }
    const users = t.make<User>({ serde: serde.json<User>() });
    const [ada, bob] = [t.fresh(), t.fresh()];
    await users.set(ada, { name: 'Ada', tags: ['math'] }, reply);
    const user = await users.get(ada);
    expect(user?.name).toBe('Ada');
    expect(await flagsOf(t, ada)).toBe(serde.FLAG_JSON);
    const bad = { name: 'Bob', tags: [], joined: new Date() } as unknown as User;
    await expect(users.set(bob, bad, reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    expect(await flagsOf(t, bob)).toBeUndefined();
  });

  t.it('compressed values carry bit 8 only when compression helped', async () => {
    const client = t.make({ serde: serde.compressed(serde.python()) });
    const [long, short, number] = [t.fresh(), t.fresh(), t.fresh()];
    await client.setMany([[long, 'abc'.repeat(500)], [short, 'abc'], [number, 12345]], reply);
    expect(await flagsOf(t, long)).toBe(16 | 8);
    expect(await flagsOf(t, short)).toBe(16);
    expect(await flagsOf(t, number)).toBe(2);
    expect(await client.getMany([long, short, number])).toEqual(
      new Map<string, unknown>([[long, 'abc'.repeat(500)], [short, 'abc'], [number, 12345]]),
    );
  });

  t.it('an unreadable item fails only its own read; with ignoreExc it reads as a miss', async () => {
    const strict = t.make({ serde: serde.python() });
    const lenient = t.make({ serde: serde.python(), ignoreExc: true });
    const [pickle, fine] = [t.fresh(), t.fresh()];
    await t.client.set(pickle, Buffer.from([0x80, 0x04, 0x4b, 0x01, 0x2e]), { ...reply, flags: 1 });
    await t.client.set(fine, 'ok', reply);
    await expect(strict.get(pickle)).rejects.toBeInstanceOf(MemcacheSerdeError);
    expect(await strict.get(fine)).toBe('ok');
    expect(await lenient.get(pickle, 'default')).toBe('default');
    expect(await lenient.getMany([pickle, fine])).toEqual(new Map([[fine, 'ok']])); // a miss for that key alone
    const failed = await failsWith(t, strict.getMany([pickle, fine]), MemcacheSerdeError);
    if (failed !== undefined) expect(failed).toContain(pickle);
  });

  t.it('accepts pymemcache-style serializer/deserializer functions', async () => {
    const client = t.make<string>({
      serializer: (_key, value) => [Buffer.from(value.toUpperCase()), 7],
      deserializer: (_key, bytes, flags) => `${bytes.toString()}/${flags}`,
    });
    const k = t.fresh();
    await client.set(k, 'shout', reply);
    expect(await client.get(k)).toBe('SHOUT/7');
  });
});
