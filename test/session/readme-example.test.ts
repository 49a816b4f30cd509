import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { Browser } from './http-app.js';

// The README's express-session example is readme-example.ts (so tsc checks it), word for word but for
// the import paths, and it runs here against real memcached.

const root = new URL('../../', import.meta.url);
let memcached: MemcachedServer;

beforeAll(async () => {
  memcached = await startMemcached();
});
afterAll(async () => {
  await memcached?.stop();
});

function readmeBlock(): string {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.split('\n## express-session\n')[1];
  const block = section === undefined ? undefined : /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README.md has no ts block under "## express-session"');
  return block;
}

it('the README example is readme-example.ts', () => {
  const asInRepo = readmeBlock()
    .replace("from 'rxmemcache/session'", "from '../../src/session/index.js'")
    .replace("from 'rxmemcache'", "from '../../src/index.js'");
  expect(asInRepo).toBe(readFileSync(new URL('test/session/readme-example.ts', root), 'utf8'));
});

it('the README example runs: login, then the cookie brings the session back', async () => {
  const saved = { servers: process.env.MEMCACHED_SERVERS, port: process.env.PORT };
  process.env.MEMCACHED_SERVERS = memcached.spec;
  process.env.PORT = '0';
  let server: Server | undefined;
  try {
    ({ server } = await import('./readme-example.js'));
    if (!server.listening) await new Promise((resolve) => server?.once('listening', resolve));
    const browser = new Browser(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    expect(await browser.request('POST', '/login')).toEqual({ status: 200, body: 'welcome' });
    expect(await browser.request('GET', '/me')).toEqual({ status: 200, body: 'ada' });
  } finally {
    server?.closeAllConnections();
    await new Promise((resolve) => (server === undefined ? resolve(undefined) : server.close(resolve)));
    for (const [name, value] of [['MEMCACHED_SERVERS', saved.servers], ['PORT', saved.port]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
