import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheUnknownCommandError, MemcacheUnknownError, type ClientOptions, type DefaultValue } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { startNutcracker, type Nutcracker } from '../support/nutcracker.js';
import { only } from '../support/only.js';

// A raw command's end tokens are the caller's guess at where its reply ends. A wrong guess must fail
// that raw command alone: it may never read the replies of the commands behind it.
let server: MemcachedServer;
let proxy: Nutcracker;
let n = 0;
const fresh = (): string => `rb-${++n}-${Date.now()}`;
const clients: Client[] = [];
const open = (spec: string, options: Partial<ClientOptions<DefaultValue>> = {}): Client => {
  const client = new Client(spec, { timeout: 3000, ...options });
  clients.push(client);
  return client;
};

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 16 });
  proxy = await startNutcracker([{ host: server.host, port: server.port }], { hash: 'md5', distribution: 'ketama' });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await proxy?.stop();
  await server?.stop();
});

/** Outcome of a promise as a value or its error, so a batch of them is compared in one assertion. */
const settled = <T>(p: PromiseLike<T>): Promise<T | unknown> => Promise.resolve(p).then((v) => v, (e: unknown) => e);

/** Sends raw lines whose end tokens never match, each followed at once by a get; every get gets its own value. */
async function wrongTokensThenGets(client: Client, lines: readonly string[]): Promise<void> {
  const keys = lines.map(() => fresh());
  await Promise.all(keys.map((k) => client.set(k, `value of ${k}`, { noreply: false })));
  const outcomes = await Promise.all(lines.flatMap((line, i) => [settled(client.rawCommand(line, { endTokens: 'NOPE' })), settled(client.get(keys[i] as string))]));
  lines.forEach((line, i) => {
    const raw = outcomes[2 * i];
    expect(raw, line).toBeInstanceOf(MemcacheUnknownError);
    expect((raw as Error).message).toContain('NOPE');
    expect(outcomes[2 * i + 1], line).toBe(`value of ${keys[i]}`);
  });
  // Still in step afterwards: a raw command with right tokens and a plain command.
  expect(only(await client.rawCommand('version')).toString('latin1')).toMatch(/^VERSION /);
  const k = fresh();
  await client.set(k, 'after', { noreply: false });
  expect(await client.get(k)).toBe('after');
}

const LINES = ['version', 'stats', `get ${'missing-key'}`, 'mg missing-key v', 'verbosity 0'];

describe('rawCommand with end tokens that never match', () => {
  it('text protocol on memcached 1.6.18: fails at the end of its own reply, the gets behind it get their values', async () => {
    await wrongTokensThenGets(open(server.spec), LINES);
  });

  it("protocol 'meta' and 'auto': fenced by mn, fails at the MN, the gets behind it get their values", async () => {
    await wrongTokensThenGets(open(server.spec, { protocol: 'meta' }), [...LINES, 'mn', 'me missing-key']);
    await wrongTokensThenGets(open(server.spec, { protocol: 'auto' }), [...LINES, 'mn']);
  });

  it('through twemproxy (no mn): bounded by the reply grammar, nothing reaches the wrong command', async () => {
    await wrongTokensThenGets(open(proxy.spec, { noreplySentinel: false }), ['version', `get missing-key`]);
  });

  it('an error reply is the raw command’s own, fenced or not, and leaves the connection in step', async () => {
    for (const client of [open(server.spec), open(server.spec, { protocol: 'meta' })]) {
      const k = fresh();
      await client.set(k, 'v', { noreply: false });
      const [raw, value] = await Promise.all([settled(client.rawCommand('no_such_command', { endTokens: 'NOPE' })), client.get(k)]);
      expect(raw).toBeInstanceOf(MemcacheUnknownCommandError);
      expect(value).toBe('v');
    }
  });

  it('end tokens that match inside a longer reply: the reply is cut there, and the rest is read and dropped', async () => {
    for (const client of [open(server.spec), open(server.spec, { protocol: 'meta' })]) {
      const k = fresh();
      await client.set(k, 'v', { noreply: false });
      const [raw, value] = await Promise.all([client.rawCommand('stats', { endTokens: `STAT pid ${server.pid}\r\n` }), client.get(k)]);
      expect(only(raw).toString('latin1')).toBe('');
      expect(value).toBe('v');
    }
  });
});
