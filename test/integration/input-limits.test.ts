import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheIllegalInputError } from '../../src/index.js';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

// Inputs that memcached 1.6.18 accepts and then silently mishandles. Each case first shows what the
// real server does with the raw bytes, then that the client refuses them before sending anything.
let server: MemcachedServer;
let client: Client;
const raw = (request: string): Promise<string> => rawExchange(server.port, '127.0.0.1', request, /END\r\n$|ERROR.*\r\n$/);
const peek = (key: string): Promise<string> => raw(`get ${key}\r\n`);
const reply = { noreply: false } as const;
const TOO_LATE = 2 ** 31; // 2038-01-19T03:14:08Z as a Unix time

beforeAll(async () => {
  server = await startMemcached();
  client = new Client(server.spec);
});
afterAll(async () => {
  await client.close();
  await server.stop();
});

describe('exptime is a signed 32-bit integer on the server', () => {
  it('the server stores an exptime of 2^31 as already expired, and one below -2^31 as far future', async () => {
    expect(await raw(`set late 0 ${TOO_LATE} 1\r\nx\r\nget late\r\n`)).toBe('STORED\r\nEND\r\n');
    expect(await raw('set wraps 0 -2147483649 1\r\nx\r\nget wraps\r\n')).toBe('STORED\r\nVALUE wraps 0 1\r\nx\r\nEND\r\n');
    expect(await raw(`set edge 0 ${2 ** 31 - 1} 1\r\nx\r\nget edge\r\n`)).toBe('STORED\r\nVALUE edge 0 1\r\nx\r\nEND\r\n');
  });

  it('set refuses an expire outside -2^31..2^31-1 before sending, naming the range', async () => {
    for (const expire of [TOO_LATE, 4102444800 /* 2100-01-01 */, -(2 ** 31) - 1]) {
      const error = await client.set('late', 'v', { expire, noreply: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheIllegalInputError);
      expect((error as Error).message).toContain('-2147483648..2147483647');
    }
    expect(await client.setMany([['late', 'v']], { expire: TOO_LATE }).catch((e: unknown) => e)).toBeInstanceOf(MemcacheIllegalInputError);
    expect(await peek('late')).toBe('END\r\n');
    expect(await client.set('edge', 'v', { expire: 2 ** 31 - 1, noreply: false })).toBe(true);
    expect(await client.get('edge')).toBe('v');
  });

  it('touch, gat and gats refuse it too, and leave the item as it was', async () => {
    await client.set('kept', 'v', reply);
    const attempts = [client.touch('kept', TOO_LATE), client.gat('kept', TOO_LATE), client.gats('kept', TOO_LATE), client.touch('kept', TOO_LATE, reply)];
    for (const attempt of attempts) await expect(attempt).rejects.toThrow(/-2147483648\.\.2147483647/);
    expect(await client.get('kept')).toBe('v');
  });

  it('a negative expire is allowed and expires the item at once, as memcached documents', async () => {
    await client.set('gone', 'old', reply);
    expect(await client.set('gone', 'v', { expire: -1, noreply: false })).toBe(true);
    expect(await client.get('gone')).toBeUndefined();
  });

  it('flush_all with a delay of 2^31 flushes at once on the server; flushAll refuses it', async () => {
    await client.set('survivor', 'v', reply);
    await expect(client.flushAll(TOO_LATE, reply)).rejects.toThrow(/delay must be an integer number of seconds in 0\.\.2147483647/);
    expect(await client.get('survivor')).toBe('v');
    expect(await raw(`flush_all ${TOO_LATE}\r\nget survivor\r\n`)).toBe('OK\r\nEND\r\n');
  });
});

describe('rawCommand sends exactly one line', () => {
  it.each([
    ['CRLF', 'version\r\nflush_all'],
    ['a bare LF', 'version\nflush_all'],
    ['a trailing CR', 'version\r'],
    ['bytes with LF', Buffer.from('version\nflush_all')],
  ])('refuses %s inside the command, and nothing is sent', async (_name, command) => {
    await client.set('precious', 'v', reply);
    const error = await client.rawCommand(command).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheIllegalInputError);
    expect((error as Error).message).toContain('CR and LF are not allowed');
    // Had it been sent, the flush would have run and its OK would be read as the next reply.
    expect(await client.get('precious')).toBe('v');
    expect(only(await client.version())).toMatch(/^1\.6\./);
  });

  it('refuses characters it cannot send as they are', async () => {
    // latin1 keeps only the low byte of U+043A; UTF-8 turns a lone surrogate into U+FFFD.
    await expect(client.rawCommand('get ключ')).rejects.toThrow(/above U\+00FF need allowUnicodeKeys/);
    const unicode = new Client(server.spec, { allowUnicodeKeys: true });
    try {
      await expect(unicode.rawCommand('get k\uD800')).rejects.toThrow(/lone UTF-16 surrogate/);
      expect(only(await unicode.rawCommand('get ключ', { endTokens: 'END\r\n' })).toString()).toBe('');
    } finally {
      await unicode.close();
    }
  });

  it('a single line still works, with any end tokens', async () => {
    const settings = only(await client.rawCommand('stats settings', { endTokens: 'END\r\n' })).toString('latin1');
    expect(settings).toContain('STAT item_size_max 1048576\r\n');
    expect(only(await client.rawCommand('version')).toString()).toMatch(/^VERSION 1\.6\./);
  });
});
