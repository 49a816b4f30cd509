import { firstValueFrom, forkJoin, from, lastValueFrom, mergeMap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheIllegalInputError, MemcacheSerdeError, type Serde } from '../../src/index.js';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';

// Each client option against a real memcached; raw `get`s through a separate socket show what is stored.
let server: MemcachedServer;
const peek = (key: string): Promise<string> => rawExchange(server.port, '127.0.0.1', `get ${key}\r\n`, 'END\r\n');

beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server.stop();
});

describe('keyPrefix', () => {
  it('prefixes on the wire, not in results, and counts toward 250 bytes', async () => {
    const client = new Client(server.spec, { keyPrefix: 'app1:' });
    try {
      await client.set('user', 'ada', { noreply: false });
      expect(await peek('app1:user')).toContain('VALUE app1:user 16 3');
      expect(await peek('user')).toBe('END\r\n');
      expect(await client.getMany(['user', 'nobody'])).toEqual(new Map([['user', 'ada']]));
      expect(await client.get('k'.repeat(245))).toBeUndefined(); // 5 + 245 = 250: allowed
      await expect(client.get('k'.repeat(246))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    } finally {
      await client.close();
    }
  });
});

describe('allowUnicodeKeys', () => {
  it('rejects non-ASCII keys by default and sends UTF-8 bytes when allowed', async () => {
    const strict = new Client(server.spec);
    const unicode = new Client(server.spec, { allowUnicodeKeys: true });
    try {
      await expect(strict.set('ключ', 'v', { noreply: false })).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      await unicode.set('ключ', 'значение', { noreply: false });
      const utf8Key = Buffer.from('ключ', 'utf8').toString('latin1');
      expect(await peek(utf8Key)).toContain(`VALUE ${utf8Key} 16 16`);
      expect(await unicode.get('ключ')).toBe('значение');
      expect(await unicode.get(Buffer.from('ключ', 'utf8'))).toBe('значение'); // byte keys reach the same item
      await expect(unicode.get('ключ ')).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    } finally {
      await strict.close();
      await unicode.close();
    }
  });

  it('refuses keys with a lone surrogate, which UTF-8 would turn into another key', async () => {
    const unicode = new Client(server.spec, { allowUnicodeKeys: true });
    try {
      // Both would be sent as acct<EF BF BD>, so one account would read the other's value.
      await expect(unicode.set('acct\uD800', 'alice', { noreply: false })).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      await expect(unicode.get('acct\uDBFF')).rejects.toThrow(/lone UTF-16 surrogate/);
      expect(await peek('acct\xef\xbf\xbd')).toBe('END\r\n');
      expect(() => new Client(server.spec, { allowUnicodeKeys: true, keyPrefix: 'app\uDC00:' })).toThrow(MemcacheIllegalInputError);
    } finally {
      await unicode.close();
    }
  });
});

describe('defaultNoreply', () => {
  it('false makes stores report NOT_STORED; true (the default) does not wait', async () => {
    const waits = new Client(server.spec, { defaultNoreply: false });
    const quiet = new Client(server.spec);
    try {
      await waits.set('dn', 'first');
      expect(await waits.add('dn', 'second')).toBe(false);
      expect(await quiet.add('dn', 'third')).toBe(true); // noreply: the server's answer is not read
      expect(await waits.get('dn')).toBe('first');
      expect(await waits.delete('dn')).toBe(true);
      expect(await waits.delete('dn')).toBe(false);
      expect(await waits.touch('dn', 10)).toBe(false);
    } finally {
      await waits.close();
      await quiet.close();
    }
  });
});

describe('serde', () => {
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

  it('round-trips through a custom serde and a failing deserialize fails only that command', async () => {
    const client = new Client<Doc>(server.spec, { serde: json });
    const raw = new Client(server.spec);
    try {
      await client.set('doc', { a: 'b', n: [1, 2] }, { noreply: false });
      await client.set('txt', 'plain', { noreply: false });
      expect(await peek('doc')).toContain('VALUE doc 2 ');
      expect(await client.get('doc')).toEqual({ a: 'b', n: [1, 2] });
      expect(await client.get('txt')).toBe('plain');
      await raw.set('alien', Buffer.from('x'), { noreply: false, flags: 99 });
      const error = await client.get('alien').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheSerdeError);
      expect(((error as MemcacheSerdeError).cause as Error).message).toBe('unknown flags 99');
      expect(await client.get('txt')).toBe('plain'); // connection unaffected
    } finally {
      await client.close();
      await raw.close();
    }
  });
});

describe('pipelining and cold commands', () => {
  it('maxPipeline bounds what is in flight; everything still settles with its own value', async () => {
    const client = new Client(server.spec, { maxPipeline: 4, timeout: 5000 });
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `mp:${i}`);
      await client.setMany(keys.map((k) => [k, `v-${k}`] as const), { noreply: false });
      let peak = 0;
      const values = await lastValueFrom(
        from(keys).pipe(
          mergeMap((k) => {
            peak = Math.max(peak, client.load.inFlight);
            return client.get(k);
          }, 100),
          toArray(),
        ),
      );
      expect(peak).toBeLessThanOrEqual(4);
      expect(new Set(values)).toEqual(new Set(keys.map((k) => `v-${k}`)));
    } finally {
      await client.close();
    }
  });

  it('subscribing twice sends the command twice; nothing is sent before subscribing', async () => {
    const client = new Client(server.spec);
    try {
      await client.set('cold', '0', { noreply: false });
      const bump = client.incr('cold', 1);
      expect(await client.get('cold')).toBe('0'); // created, not subscribed: not sent
      const [a, b] = await firstValueFrom(forkJoin([bump, bump]));
      expect([a, b].sort()).toEqual([1n, 2n]);
      expect(await bump).toBe(3n);
    } finally {
      await client.close();
    }
  });
});
