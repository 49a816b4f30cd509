import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheUnexpectedCloseError } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { startNutcracker, type Nutcracker } from '../support/nutcracker.js';

// twemproxy 0.5 does not know the meta commands. It does not answer ERROR: it closes the client
// connection at once, without answering what came before in the same read (measured with a raw socket:
// `get k\r\nmg k v\r\n` gets no END, just the close). So a meta command through it fails with
// MemcacheUnexpectedCloseError, with every command in flight beside it, and the next command reconnects.
let backend: MemcachedServer;
let proxy: Nutcracker;
let client: Client;
let n = 0;
const fresh = (): string => `mtw-${++n}-${Date.now()}`;

beforeAll(async () => {
  backend = await startMemcached({ memoryMb: 16 });
  proxy = await startNutcracker([{ host: backend.host, port: backend.port }], { hash: 'md5', distribution: 'ketama' });
  client = new Client(proxy.spec, { timeout: 5000, noreplySentinel: false });
});
afterAll(async () => {
  await client?.close();
  await proxy?.stop();
  await backend?.stop();
});

const settle = (p: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(p).then((r) => r, (e: unknown) => e);

describe('meta commands through twemproxy', () => {
  it.each([
    ['metaGet', () => client.metaGet(fresh())],
    ['metaSet', () => client.metaSet(fresh(), 'v')],
    ['metaDelete', () => client.metaDelete(fresh())],
    ['metaArithmetic', () => client.metaArithmetic(fresh(), { vivify: 60 })],
    ['metaNoop', () => client.metaNoop()],
  ] as const)('%s fails with MemcacheUnexpectedCloseError; text commands work on the next connection', async (_name, command) => {
    const k = fresh();
    expect(await client.set(k, 'text', { noreply: false })).toBe(true);
    const error = await settle(command());
    expect(error).toBeInstanceOf(MemcacheUnexpectedCloseError);
    expect(await client.get(k)).toBe('text');
    expect(await client.set(k, 'again', { noreply: false })).toBe(true);
    expect(await client.get(k)).toBe('again');
  });

  it('text commands in flight beside a meta command fail with it, never with a wrong value', async () => {
    const keys = [fresh(), fresh(), fresh()];
    for (const k of keys) await client.set(k, `v-${k}`, { noreply: false });
    const outcomes = await Promise.all([settle(client.get(keys[0] as string)), settle(client.metaGet(keys[1] as string)), settle(client.get(keys[2] as string))]);
    expect(outcomes[1]).toBeInstanceOf(MemcacheUnexpectedCloseError);
    for (const i of [0, 2]) {
      const o = outcomes[i];
      // The get written in the same read as the mg is never answered; one written earlier may be.
      if (o instanceof Error) expect(o).toBeInstanceOf(MemcacheUnexpectedCloseError);
      else expect(o).toBe(`v-${keys[i]}`);
    }
    expect(await client.getMany(keys)).toEqual(new Map(keys.map((k) => [k, `v-${k}`])));
  });
});
