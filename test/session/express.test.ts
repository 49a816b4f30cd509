import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient } from '../../src/index.js';
import { MemcacheStore } from '../../src/session/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';
import { Browser, startApp, type RunningApp } from './http-app.js';

// express 5 + express-session over HTTP (Node's fetch, 127.0.0.1, port 0) with a MemcacheStore, against
// real memcached. What the server holds is read with a separate client: metaGet's TTL, stats counters.

const DAY_S = 86_400;
let server: MemcachedServer;
let client: Client;
let inspector: Client;
const apps: RunningApp[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

beforeAll(async () => {
  server = await startMemcached();
  client = new Client(server.spec);
  inspector = new Client(server.spec);
  process.on('unhandledRejection', onUnhandled);
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await Promise.all([client?.close(), inspector?.close()]);
  await server?.stop();
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  expect(unhandled).toEqual([]);
});

async function browse(store: MemcacheStore<unknown>, maxAge?: number): Promise<Browser> {
  const app = await startApp(store, maxAge);
  apps.push(app);
  return new Browser(app.url);
}

const ttlOf = async (key: string): Promise<number | null | undefined> => (await inspector.metaGet(key, { ttl: true })).ttl;
const counters = async (): Promise<{ set: number; touch: number }> => {
  const stats = only(await inspector.stats());
  return { set: Number(stats.cmd_set), touch: Number(stats.cmd_touch) };
};

describe('express-session over a MemcacheStore', () => {
  it('login stores the session; the cookie carries it to the next request; logout destroys it', async () => {
    const browser = await browse(new MemcacheStore({ client }), 60_000);
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'nobody' });
    expect(browser.cookie).toBeUndefined(); // saveUninitialized: false
    expect(await browser.request('POST', '/login?user=ada')).toEqual({ status: 200, body: 'welcome' });
    const key = `sess:${browser.sid}`;
    expect(JSON.parse(String(await inspector.get(key)))).toMatchObject({ user: 'ada', cookie: { originalMaxAge: 60_000 } });
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'ada' });
    expect(await browser.request('POST', '/logout')).toEqual({ status: 200, body: 'bye' });
    expect(await inspector.get(key)).toBeUndefined();
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'nobody' });
  });

  it('the item expires with the cookie, and a request after that has no session', async () => {
    const browser = await browse(new MemcacheStore({ client, prefix: 'short:' }), 1000);
    await browser.request('POST', '/login?user=ada');
    expect(await ttlOf(`short:${browser.sid}`)).toBe(1);
    await sleep(1200); // the cookie has ended: memcached may still hold the item, the store reads no session
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'nobody' });
  });

  it('a request that does not change the session touches it: memcached touch, no rewrite', async () => {
    const browser = await browse(new MemcacheStore({ client }), 60_000);
    await browser.request('POST', '/login?user=ada');
    const key = `sess:${browser.sid}`;
    const ttl = await ttlOf(key);
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
    const before = await counters();
    expect(await browser.request('POST', '/extend?maxAge=600000')).toEqual({ status: 200, body: 'extended' });
    expect(await ttlOf(key)).toBeGreaterThan(590);
    expect(await counters()).toEqual({ set: before.set, touch: before.touch + 1 });
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'ada' });
  });

  it('a cookie longer than 30 days is sent as a Unix time, so it does not expire at once', async () => {
    const browser = await browse(new MemcacheStore({ client }), 40 * DAY_S * 1000);
    await browser.request('POST', '/login?user=ada');
    const ttl = await ttlOf(`sess:${browser.sid}`);
    expect(ttl).toBeGreaterThan(40 * DAY_S - 60);
    // memcached turns a Unix time into its own coarse clock (whole seconds since it started): ± a few seconds.
    expect(ttl).toBeLessThanOrEqual(40 * DAY_S + 5);
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'ada' });
  });

  it('a browser session cookie (no maxAge) gets the default ttl', async () => {
    const browser = await browse(new MemcacheStore({ client, ttl: 3600 }));
    await browser.request('POST', '/login?user=ada');
    const ttl = await ttlOf(`sess:${browser.sid}`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });
});

describe('a memcached that is down', () => {
  it('gives the request an error response: no hang, no crash, no unhandled rejection', async () => {
    const doomed = await startMemcached();
    const doomedClient = new Client(doomed.spec);
    try {
      const browser = await browse(new MemcacheStore({ client: doomedClient }), 60_000);
      await browser.request('POST', '/login?user=ada');
      await doomed.stop(); // SIGTERM by pid, and waits for the exit
      // Refused, or (had the dead socket not been noticed yet) closed under the command: either is typed.
      const failed = { status: 500, body: expect.stringMatching(/^Memcache(Connection|UnexpectedClose)Error$/) };
      expect(await browser.request('GET', '/me')).toEqual(failed);
      expect(await new Browser(browser.url).request('POST', '/login?user=bob')).toEqual(failed);
      // What the README warns of: express-session saves after the answer, and sends it even when the save fails.
      const late = new Browser(browser.url);
      expect(await late.request('POST', '/remember?user=cy')).toEqual({ status: 200, body: 'remembered' });
      expect(late.cookie).toBeDefined();
    } finally {
      await doomedClient.close();
      await doomed.stop();
    }
  });
});

describe('a HashClient of 3 servers', () => {
  let servers: MemcachedServer[] = [];
  beforeAll(async () => {
    servers = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('keeps each session on its key’s server and reads it back from there', async () => {
    const cluster = new HashClient(servers.map((s) => s.spec));
    const singles = servers.map((s) => new Client(s.spec));
    try {
      const app = await startApp(new MemcacheStore({ client: cluster }), 60_000);
      apps.push(app);
      const users = Array.from({ length: 24 }, (_, i) => `user${i}`);
      const browsers = users.map(() => new Browser(app.url));
      for (const [i, browser] of browsers.entries()) await browser.request('POST', `/login?user=${users[i]}`);
      for (const [i, browser] of browsers.entries()) expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: users[i] });
      // Each session is on exactly one server, and more than one server holds sessions.
      const holders = await Promise.all(browsers.map(async (b) => (await Promise.all(singles.map((c) => c.get(`sess:${b.sid}`)))).map((v) => v !== undefined)));
      for (const held of holders) expect(held.filter(Boolean)).toHaveLength(1);
      expect(new Set(holders.map((held) => held.indexOf(true))).size).toBeGreaterThan(1);
    } finally {
      await Promise.all([cluster.close(), ...singles.map((c) => c.close())]);
    }
  });
});
