import { expect } from 'vitest';
import { MemcacheIllegalInputError } from '../../src/index.js';
import { contract, eachServer } from './contract.js';

// Inputs every client refuses before sending anything, and the key options that shape what is sent.
// What memcached itself does with such inputs is shown in test/integration/input-limits.test.ts.
const reply = { noreply: false } as const;
const TOO_LATE = 2 ** 31; // 2038-01-19T03:14:08Z as a Unix time

contract('inputs and validation', (t) => {
  t.it('set refuses an expire outside -2^31..2^31-1 before sending, naming the range', async () => {
    const [late, edge] = [t.fresh(), t.fresh()];
    for (const expire of [TOO_LATE, 4102444800 /* 2100-01-01 */, -(2 ** 31) - 1]) {
      const error = await t.client.set(late, 'v', { expire, noreply: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheIllegalInputError);
      expect((error as Error).message).toContain('-2147483648..2147483647');
    }
    expect(await t.client.setMany([[late, 'v']], { expire: TOO_LATE }).catch((e: unknown) => e)).toBeInstanceOf(MemcacheIllegalInputError);
    expect(await t.peek(late)).toBe('END\r\n');
    expect(await t.client.set(edge, 'v', { expire: 2 ** 31 - 1, noreply: false })).toBe(true);
    expect(await t.client.get(edge)).toBe('v');
  });

  t.it('touch, gat and gats refuse it too, and leave the item as it was', async () => {
    const kept = t.fresh();
    await t.client.set(kept, 'v', reply);
    const c = t.client;
    const attempts = [c.touch(kept, TOO_LATE), c.gat(kept, TOO_LATE), c.gats(kept, TOO_LATE), c.touch(kept, TOO_LATE, reply)];
    for (const attempt of attempts) await expect(attempt).rejects.toThrow(/-2147483648\.\.2147483647/);
    expect(await t.client.get(kept)).toBe('v');
  });

  t.it('flushAll refuses a delay of 2^31, which memcached would take as "now"', async () => {
    const survivor = t.fresh();
    await t.client.set(survivor, 'v', reply);
    await expect(t.client.flushAll(TOO_LATE, reply)).rejects.toThrow(/delay must be an integer number of seconds in 0\.\.2147483647/);
    expect(await t.client.get(survivor)).toBe('v');
  });

  const multiLine: Array<[string, string | Uint8Array]> = [
    ['CRLF', 'version\r\nflush_all'],
    ['a bare LF', 'version\nflush_all'],
    ['a trailing CR', 'version\r'],
    ['bytes with LF', Buffer.from('version\nflush_all')],
  ];
  for (const [name, command] of multiLine) {
    t.it(`rawCommand refuses ${name} inside the command, and nothing is sent`, async () => {
      const precious = t.fresh();
      await t.client.set(precious, 'v', reply);
      const error = await t.client.rawCommand(command).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheIllegalInputError);
      expect((error as Error).message).toContain('CR and LF are not allowed');
      // Had it been sent, the flush would have run and its OK would be read as the next reply.
      expect(await t.client.get(precious)).toBe('v');
      for (const [, version] of eachServer(t, await t.client.version())) expect(version).toMatch(/^1\.6\./);
    });
  }

  t.it('rawCommand refuses characters it cannot send as they are', async () => {
    // latin1 keeps only the low byte of U+043A; UTF-8 turns a lone surrogate into U+FFFD.
    await expect(t.client.rawCommand('get ключ')).rejects.toThrow(/above U\+00FF need allowUnicodeKeys/);
    const unicode = t.make({ allowUnicodeKeys: true });
    await expect(unicode.rawCommand('get k\uD800')).rejects.toThrow(/lone UTF-16 surrogate/);
    for (const [, nothing] of eachServer(t, await unicode.rawCommand(`get ${t.fresh()}ключ`, { endTokens: 'END\r\n' }))) {
      expect(nothing.toString()).toBe('');
    }
  });

  t.it('rawCommand: a single line works on every server, with any end tokens', async () => {
    for (const [, settings] of eachServer(t, await t.client.rawCommand('stats settings', { endTokens: 'END\r\n' }))) {
      expect(settings.toString('latin1')).toContain('STAT item_size_max 1048576\r\n');
    }
    for (const [, version] of eachServer(t, await t.client.rawCommand('version'))) expect(version.toString()).toMatch(/^VERSION 1\.6\./);
  });

  t.it('keyPrefix prefixes on the wire, not in results, and counts toward 250 bytes', async () => {
    const client = t.make({ keyPrefix: 'app1:' });
    const k = t.fresh();
    await client.set(k, 'ada', reply);
    expect(await t.peek(`app1:${k}`)).toContain(`VALUE app1:${k} 16 3`);
    expect(await t.peek(k)).toBe('END\r\n');
    expect(await client.getMany([k, t.fresh()])).toEqual(new Map([[k, 'ada']]));
    expect(await client.get('k'.repeat(245))).toBeUndefined(); // 5 + 245 = 250: allowed
    await expect(client.get('k'.repeat(246))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
  });

  t.it('allowUnicodeKeys: non-ASCII keys are refused by default and sent as UTF-8 bytes when allowed', async () => {
    const strict = t.make();
    const unicode = t.make({ allowUnicodeKeys: true });
    const key = `${t.fresh()}-ключ`;
    await expect(strict.set(key, 'v', reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await unicode.set(key, 'значение', reply);
    const utf8Key = Buffer.from(key, 'utf8').toString('latin1');
    expect(await t.peek(utf8Key)).toContain(`VALUE ${utf8Key} 16 16`);
    expect(await unicode.get(key)).toBe('значение');
    await expect(unicode.get(`${key} `)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
  });

  t.it('allowUnicodeKeys: a key given as its UTF-8 bytes reaches the same item as the string', async () => {
    const unicode = t.make({ allowUnicodeKeys: true });
    const key = `${t.fresh()}-ключ`;
    await unicode.set(key, 'значение', reply);
    expect(await unicode.get(Buffer.from(key, 'utf8'))).toBe('значение');
  });

  t.it('allowUnicodeKeys refuses keys with a lone surrogate, which UTF-8 would turn into another key', async () => {
    const unicode = t.make({ allowUnicodeKeys: true });
    const account = `${t.fresh()}acct`;
    // Both would be sent as acct<EF BF BD>, so one account would read the other's value.
    await expect(unicode.set(`${account}\uD800`, 'alice', reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(unicode.get(`${account}\uDBFF`)).rejects.toThrow(/lone UTF-16 surrogate/);
    expect(await t.peek(`${account}\xef\xbf\xbd`)).toBe('END\r\n');
    expect(() => t.make({ allowUnicodeKeys: true, keyPrefix: 'app\uDC00:' })).toThrow(MemcacheIllegalInputError);
  });
});
