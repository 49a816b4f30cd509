import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Client,
  MemcacheServerError,
  MemcacheUnknownError,
  type ClientOptions,
  type ConnectionHealth,
  type DefaultValue,
  type MemcacheError,
} from '../../src/index.js';
import { Ledger, PROTOCOL_ERRORS, eventually, issueMixed, recovers, seededRng, stoppedNotifications, valueFor, watchUnhandled } from '../support/fault-harness.js';
import { startFaultProxy } from '../support/fault-proxy.js';
import { startMemcached } from '../support/memcached.js';
import { startScriptedServer, type ScriptedFault, type ScriptedServer } from '../support/scripted-server.js';

// A server speaking nonsense. Real memcached never does, so the scripted FAKE server plays it; the one
// exception, SERVER_ERROR for an item over the size limit, comes from a real memcached.
const TIMEOUT = 300;
const GRACE = 300;
const reply = { noreply: false } as const;

let scripted: ScriptedServer;
let client: Client;
let unhandled: ReturnType<typeof watchUnhandled>;

beforeEach(async () => {
  unhandled = watchUnhandled();
  scripted = await startScriptedServer();
  client = new Client(scripted.spec, { protocol: 'text', timeout: TIMEOUT });
  await Promise.all(Array.from({ length: 100 }, (_, i) => client.set(`k:${i}`, valueFor(`k:${i}`), reply)));
});
afterEach(async () => {
  client.destroy();
  await scripted.close();
  await sleep(20); // a late unhandled error would surface now
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  expect(stoppedNotifications()).toEqual([]);
});

describe('bad replies destroy the connection; it is never reused', () => {
  it.each<ScriptedFault>(['garbage', 'wrongKey', 'oversized'])('%s', async (misbehaviour) => {
    expect(scripted.connections).toBe(1);
    scripted.fault = misbehaviour;
    const ledger = new Ledger(TIMEOUT + GRACE);
    ledger.allowed = PROTOCOL_ERRORS;
    issueMixed(client, ledger, seededRng(21), 300);
    await ledger.settle(performance.now() + TIMEOUT + GRACE);
    expect(ledger.problems()).toEqual([]);
    expect(ledger.errors.get('MemcacheUnknownError')).toBeGreaterThan(0);
    const dropped = scripted.connections;
    expect(await eventually(() => scripted.open === 0)).toBe(true); // the client destroyed the connection it could no longer trust
    scripted.fault = 'none';
    expect(await client.get('k:1')).toBe(valueFor('k:1'));
    expect(scripted.connections).toBe(dropped + 1); // a new connection, not the poisoned one
  });

  it('a stray reply while nothing is pending: the idle connection is dropped, nobody gets it', async () => {
    const seen: ConnectionHealth[] = [];
    client.health$.subscribe((h) => seen.push(h));
    scripted.fault = 'stray';
    expect(await client.get('k:2')).toBe(valueFor('k:2'));
    // The stray block arrives ~2 ms after the reply.
    expect(await eventually(() => seen.at(-1)?.state === 'down')).toBe(true);
    const down = seen.at(-1);
    expect(down?.state).toBe('down');
    expect(down?.state === 'down' ? down.error : undefined).toBeInstanceOf(MemcacheUnknownError);
    scripted.fault = 'none';
    expect(await client.get('k:3')).toBe(valueFor('k:3'));
    expect(scripted.connections).toBe(2);
  });

  it('a stray reply under load: never delivered as someone else\'s value', async () => {
    scripted.fault = 'stray';
    const ledger = new Ledger(TIMEOUT + GRACE);
    ledger.allowed = PROTOCOL_ERRORS;
    for (let round = 0; round < 10; round++) {
      issueMixed(client, ledger, seededRng(30 + round), 50);
      await sleep(5);
    }
    await ledger.settle(performance.now() + TIMEOUT + GRACE);
    expect(ledger.problems()).toEqual([]);
    scripted.fault = 'none';
    expect(await recovers(client, 1000)).toBe(true);
  });
});

describe('server errors', () => {
  it('an error for a noreply command goes to noreplyErrors$, never to another command', async () => {
    const noreplyErrors: MemcacheError[] = [];
    client.noreplyErrors$.subscribe((e) => noreplyErrors.push(e));
    scripted.fault = 'noreplyError';
    const ledger = new Ledger(TIMEOUT + GRACE);
    // Noreply sets between gets: each one's SERVER_ERROR lands between two replies.
    for (let i = 0; i < 100; i++) {
      const key = `k:${i}`;
      ledger.track(`set(noreply) ${key}`, client.set(key, valueFor(key)), (v) => v === true);
      ledger.track(`get ${key}`, client.get(key), (v) => v === valueFor(key));
    }
    await ledger.settle(performance.now() + TIMEOUT + GRACE);
    expect(ledger.problems()).toEqual([]);
    expect(ledger.succeeded).toBe(200);
    expect(noreplyErrors.length).toBe(100);
    for (const e of noreplyErrors) expect(e).toBeInstanceOf(MemcacheServerError);
    expect(scripted.connections).toBe(1);
  });

  it('SERVER_ERROR object too large (real memcached -I 1m): typed error, the connection is kept', async () => {
    const small = await startMemcached({ maxItemSize: '1m' });
    const proxy = await startFaultProxy(small.port);
    // maxValueSize lifts the client's own 1 MiB check, so the 2 MB value reaches the server.
    const options: ClientOptions<DefaultValue> = { protocol: 'text', timeout: 5000, maxValueSize: 8 * 1024 * 1024 };
    const big = new Client(proxy.spec, options);
    try {
      await big.set('before', 'x', reply);
      const error = await big.set('huge', Buffer.alloc(2 * 1024 * 1024, 7), reply).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheServerError);
      expect(String((error as Error).message)).toMatch(/too large/);
      expect(await big.get('before')).toBe('x');
      expect(await big.get('huge')).toBeUndefined();
      expect(proxy.stats.connections).toBe(1); // no reconnect
    } finally {
      big.destroy();
      await proxy.close();
      await small.stop();
    }
  });
});
