import { tracingChannel } from 'node:diagnostics_channel';
import { lastValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, type ClientEvent, type ClientMetrics, type CommandTrace, type MembershipEvent } from '../../src/index.js';
import { freePort, startMemcached, type MemcachedServer } from '../support/memcached.js';

let server: MemcachedServer;
beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server.stop();
});

describe('diagnostics_channel tracing', () => {
  it('publishes start/end/asyncStart/asyncEnd for every command, and error for failures', async () => {
    const seen: Array<[string, CommandTrace]> = [];
    const handlers = {
      start: (t: CommandTrace) => seen.push(['start', { ...t }]),
      end: (t: CommandTrace) => seen.push(['end', { ...t }]),
      asyncStart: (t: CommandTrace) => seen.push(['asyncStart', { ...t }]),
      asyncEnd: (t: CommandTrace) => seen.push(['asyncEnd', { ...t }]),
      error: (t: CommandTrace) => seen.push(['error', { ...t }]),
    };
    const channel = tracingChannel<CommandTrace, CommandTrace>('rxmemcache:command');
    channel.subscribe(handlers);
    const client = new Client(server.spec, { protocol: 'text' });
    try {
      await client.set('traced', 'value', { noreply: false });
      await client.getMany(['traced', 'other', 'third']);
      await client.incr('traced', 1).catch(() => undefined); // CLIENT_ERROR: not a number
    } finally {
      channel.unsubscribe(handlers);
      await client.close();
    }
    expect(seen.map(([phase, t]) => `${phase}:${t.command}`)).toEqual([
      'start:set', 'end:set', 'asyncStart:set', 'asyncEnd:set',
      'start:get', 'end:get', 'asyncStart:get', 'asyncEnd:get',
      'start:incr', 'end:incr', 'asyncStart:incr', 'error:incr', 'asyncEnd:incr',
    ]);
    const [, set] = seen[3] as [string, CommandTrace];
    expect(set).toMatchObject({ server: server.spec, keys: 1, bytesOut: 'set traced 16 0 5\r\nvalue\r\n'.length });
    expect(set.durationMs).toBeGreaterThanOrEqual(0);
    expect((seen[7] as [string, CommandTrace])[1].keys).toBe(3);
    expect((seen[11] as [string, CommandTrace])[1].error).toBeInstanceOf(Error);
  });
});

describe('events$ and metrics$', () => {
  it('report command outcomes, connection changes and counters', async () => {
    const client = new Client(server.spec, { protocol: 'text', timeout: 1000 });
    const events: ClientEvent[] = [];
    client.events$.subscribe((e) => events.push(e));
    const snapshots = lastValueFrom(client.metrics$.pipe(take(6), toArray()));
    await client.set('m', 'v', { noreply: false });
    await client.get('m');
    await client.incr('m', 1).catch(() => undefined);
    const metrics = (await snapshots).at(-1) as ClientMetrics;
    await client.close();
    expect(events.map((e) => e.type)).toEqual(['connecting', 'up', 'command', 'command', 'command', 'down']);
    expect(events.filter((e) => e.type === 'command').map((e) => (e.type === 'command' ? [e.name, e.ok, e.error] : []))).toEqual([
      ['set', true, undefined],
      ['get', true, undefined],
      ['incr', false, 'MEMCACHE_CLIENT_ERROR'],
    ]);
    expect(metrics).toMatchObject({ server: server.spec, commands: 3, errors: { MEMCACHE_CLIENT_ERROR: 1 }, timeouts: 0, reconnects: 0 });
  });

  it('count reconnects and timeouts', async () => {
    const port = await freePort();
    const client = new Client(`127.0.0.1:${port}`, { protocol: 'text', backoff: { initial: 1, max: 1 } });
    const snapshots = lastValueFrom(client.metrics$.pipe(take(7), toArray()));
    for (let i = 0; i < 2; i++) {
      await client.get('k').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const last = (await snapshots).at(-1) as ClientMetrics;
    expect(last.reconnects).toBe(1);
    expect(last.errors['MEMCACHE_CONNECTION_ERROR']).toBe(2);
    await client.close();
  });

  it('HashClient merges every server’s events and keys metrics by server', async () => {
    const other = await startMemcached();
    const cluster = new HashClient([server.spec, other.spec]);
    const events: Array<ClientEvent | MembershipEvent> = [];
    cluster.events$.subscribe((e) => events.push(e));
    const metrics = lastValueFrom(cluster.metrics$.pipe(take(1)));
    await cluster.getMany(Array.from({ length: 50 }, (_, i) => `spread:${i}`));
    const servers = new Set(events.filter((e) => e.type === 'command').map((e) => e.server));
    expect(servers).toEqual(new Set([server.spec, other.spec]));
    expect([...(await metrics).keys()].sort()).toEqual([server.spec, other.spec].sort());
    await cluster.close();
    await other.stop();
  });
});
