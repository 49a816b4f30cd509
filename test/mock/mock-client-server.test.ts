import { describe, expect, it } from 'vitest';
import { MemcacheClosedError, MemcacheUnknownCommandError, serde } from '../../src/index.js';
import { MockMemcacheClient } from '../../src/mock/mock-client.js';
import { only } from '../support/only.js';

// The mock's batches, server-wide commands and lifecycle, through the public surface.

const reply = { noreply: false } as const;

async function statsOf(mock: MockMemcacheClient): Promise<Record<string, unknown>> {
  return only(await mock.stats());
}

describe('batches', () => {
  it('getMany and getsMany answer hits only, by the caller keys, with no I/O for no keys', async () => {
    const mock = new MockMemcacheClient();
    expect(await mock.setMany([['a', '1'], ['b', '2']], reply)).toEqual([]);
    expect(await mock.getMany([])).toEqual(new Map());
    const keys = Array.from({ length: 250 }, (_, i) => `k${i}`).concat(['a', 'b', 'a']);
    expect(await mock.getMany(keys)).toEqual(new Map([['a', '1'], ['b', '2']]));
    const withCas = await mock.getsMany(['b', 'zz']);
    expect([...withCas.keys()]).toEqual(['b']);
    expect(withCas.get('b')).toEqual({ value: '2', cas: expect.any(String) as unknown });
    expect(await mock.deleteMany(['a', 'zz'], reply)).toBe(true);
    expect(await mock.getMany(['a', 'b'])).toEqual(new Map([['b', '2']]));
    // A key listed twice is asked for once: 252 + 2 + 2 lookups.
    expect(await statsOf(mock)).toMatchObject({ cmd_get: 256, get_hits: 4 });
  });
});

describe('server-wide commands', () => {
  it('answer by server name, and stats counters move', async () => {
    const mock = new MockMemcacheClient({ server: 'cache-a:11311' });
    expect(await mock.version()).toEqual(new Map([['cache-a:11311', '1.6.18']]));
    await mock.set('k', 'v');
    await mock.get('k');
    await mock.get('nope');
    expect(await statsOf(mock)).toMatchObject({ cmd_set: 1, cmd_get: 2, get_hits: 1, get_misses: 1, curr_items: 1, total_items: 1, version: '1.6.18', curr_connections: 1 });
    expect(only(await mock.stats('settings'))).toMatchObject({ tcpport: 11311, item_size_max: 1024 * 1024 });
    expect(only(await mock.flushAll(0, reply))).toBe(true);
    expect(await statsOf(mock)).toMatchObject({ cmd_flush: 1, curr_items: 0 });
    expect(only(await mock.rawCommand('stats reset')).toString()).toBe('RESET');
    expect(await statsOf(mock)).toMatchObject({ cmd_set: 0, cmd_get: 0, cmd_flush: 0 });
  });

  it('answers what it does not model as memcached answers an unknown command', async () => {
    const mock = new MockMemcacheClient();
    await expect(mock.stats('slabs')).rejects.toBeInstanceOf(MemcacheUnknownCommandError);
    await expect(mock.rawCommand('me k')).rejects.toBeInstanceOf(MemcacheUnknownCommandError);
    expect(only(await mock.rawCommand('mn')).toString()).toBe('MN');
    await expect(mock.shutdown()).rejects.toThrow(/shutdown not enabled/);
    expect(only(await mock.cacheMemlimit(128))).toBe(true);
    expect(await statsOf(mock)).toMatchObject({ limit_maxbytes: 128 * 1024 * 1024 });
  });
});

describe('several clients, one emulated server', () => {
  it('sameServerAs shares items, counters and the server name; each client keeps its own prefix and serde', async () => {
    const app = new MockMemcacheClient({ keyPrefix: 'app:' });
    const json = new MockMemcacheClient({ keyPrefix: 'app:', serde: serde.json(), sameServerAs: app });
    const raw = new MockMemcacheClient({ sameServerAs: app });
    await json.set('user', { name: 'Ada' }, { noreply: false });
    expect(await app.get('user')).toEqual(Buffer.from('{"name":"Ada"}'));
    expect(await raw.get('app:user')).toEqual(Buffer.from('{"name":"Ada"}'));
    expect(await raw.get('user')).toBeUndefined();
    expect([...(await raw.stats()).keys()]).toEqual([app.server]);
    expect(only(await app.stats())['get_hits']).toBe(2);
    await Promise.all([app.close(), json.close(), raw.close()]);
  });
});

describe('lifecycle', () => {
  it('quit keeps the data (same server, new connection); close refuses later commands', async () => {
    const mock = new MockMemcacheClient();
    await mock.set('k', 'v');
    await mock.quit();
    expect(await mock.get('k')).toBe('v');
    expect(await statsOf(mock)).toMatchObject({ total_connections: 2, curr_connections: 1 });
    await mock.close();
    await mock.close();
    await expect(mock.get('k')).rejects.toBeInstanceOf(MemcacheClosedError);
  });

  it('health$ is up from the first command until close, as a connection would be', async () => {
    const mock = new MockMemcacheClient();
    const states: string[] = [];
    mock.health$.subscribe((h) => states.push(h.state));
    await mock.get('k');
    await mock.get('k');
    await mock.close();
    expect(states).toEqual(['idle', 'up', 'down']);
  });

  it('a raw read cut short stays in step; a raw quit drops the connection as it would a socket, and the next command opens another', async () => {
    const mock = new MockMemcacheClient();
    const states: string[] = [];
    mock.health$.subscribe((h) => states.push(h.state === 'down' ? `down ${h.error?.name ?? ''}`.trim() : h.state));
    // A raw stats read up to its first line still reads (and drops) the other lines up to END, as
    // Client's does against memcached, so the connection stays in step.
    expect(only(await mock.rawCommand('stats', { endTokens: '\r\n' })).toString('latin1')).toMatch(/^STAT pid \d+$/);
    expect(await mock.get('k')).toBeUndefined();
    await expect(mock.rawCommand('quit')).rejects.toThrow(/closed the connection/);
    expect(await mock.get('k')).toBeUndefined();
    expect(states).toEqual(['idle', 'up', 'down MemcacheUnexpectedCloseError', 'up']);
  });

  it('events$ reports each command, by the name it went as', async () => {
    const mock = new MockMemcacheClient({ protocol: 'text' });
    const names: string[] = [];
    mock.events$.subscribe((e) => e.type === 'command' && names.push(`${e.name}:${e.ok}`));
    await mock.set('k', 'v');
    await mock.incr('k', 1).catch(() => undefined);
    expect(names).toEqual(['set:true', 'incr:false']);
  });
});
