import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheIllegalInputError, MemcacheSerdeError, serde } from '../../src/index.js';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';

// The serde family against a real memcached; raw gets on a separate socket show the stored flags.
let server: MemcachedServer;
const reply = { noreply: false } as const;
const flagsOf = async (key: string): Promise<number | undefined> => {
  const raw = await rawExchange(server.port, '127.0.0.1', `get ${key}\r\n`, 'END\r\n');
  const match = /^VALUE \S+ (\d+) /.exec(raw);
  return match === null ? undefined : Number(match[1]);
};

beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server.stop();
});

describe('serde family on a real server', () => {
  it('v8 stores rich values under flag 512 and reads them back deep-equal', async () => {
    const client = new Client<unknown>(server.spec, { serde: serde.v8() });
    try {
      const value = { when: new Date(0), seen: new Map([['ada', new Set([1, 2])]]), big: 2n ** 70n, bytes: new Uint8Array([1, 2]) };
      await client.set('rich', value, reply);
      expect(await client.get('rich')).toEqual(value);
      expect(await flagsOf('rich')).toBe(serde.FLAG_V8);
    } finally {
      await client.close();
    }
  });

  it('json is typed, strict before any byte is sent, and flagged 256', async () => {
    interface User {
      readonly name: string;
      readonly tags: readonly string[];
    }
    const users = new Client<User>(server.spec, { serde: serde.json<User>() });
    try {
      await users.set('user:1', { name: 'Ada', tags: ['math'] }, reply);
      const user = await users.get('user:1');
      expect(user?.name).toBe('Ada');
      expect(await flagsOf('user:1')).toBe(serde.FLAG_JSON);
      const bad = { name: 'Bob', tags: [], joined: new Date() } as unknown as User;
      await expect(users.set('user:2', bad, reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      expect(await flagsOf('user:2')).toBeUndefined();
    } finally {
      await users.close();
    }
  });

  it('compressed values carry bit 8 only when compression helped', async () => {
    const client = new Client(server.spec, { serde: serde.compressed(serde.python()) });
    try {
      await client.setMany([['long', 'abc'.repeat(500)], ['short', 'abc'], ['number', 12345]], reply);
      expect(await flagsOf('long')).toBe(16 | 8);
      expect(await flagsOf('short')).toBe(16);
      expect(await flagsOf('number')).toBe(2);
      expect(await client.getMany(['long', 'short', 'number'])).toEqual(
        new Map<string, unknown>([['long', 'abc'.repeat(500)], ['short', 'abc'], ['number', 12345]]),
      );
    } finally {
      await client.close();
    }
  });

  it('an unreadable item fails only its own read; with ignoreExc it reads as a miss', async () => {
    const raw = new Client(server.spec);
    const strict = new Client(server.spec, { serde: serde.python() });
    const lenient = new Client(server.spec, { serde: serde.python(), ignoreExc: true });
    try {
      await raw.set('pickle', Buffer.from([0x80, 0x04, 0x4b, 0x01, 0x2e]), { ...reply, flags: 1 });
      await raw.set('fine', 'ok', reply);
      await expect(strict.get('pickle')).rejects.toBeInstanceOf(MemcacheSerdeError);
      expect(await strict.get('fine')).toBe('ok');
      expect(await lenient.get('pickle', 'default')).toBe('default');
      expect(await lenient.getMany(['pickle', 'fine'])).toEqual(new Map([['fine', 'ok']])); // a miss for that key alone
      await expect(strict.getMany(['pickle', 'fine'])).rejects.toBeInstanceOf(MemcacheSerdeError);
    } finally {
      await Promise.all([raw.close(), strict.close(), lenient.close()]);
    }
  });

  it('accepts pymemcache-style serializer/deserializer functions', async () => {
    const client = new Client<string>(server.spec, {
      serializer: (_key, value) => [Buffer.from(value.toUpperCase()), 7],
      deserializer: (_key, bytes, flags) => `${bytes.toString()}/${flags}`,
    });
    try {
      await client.set('legacy', 'shout', reply);
      expect(await client.get('legacy')).toBe('SHOUT/7');
    } finally {
      await client.close();
    }
  });
});
