import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { spawnTracked, terminate, type Tracked } from '../support/processes.js';
import { buildDir, removeBuildDir, transpileTree } from '../support/transpiled.js';

// allowExitOnIdle: a script that never calls close() ends by itself once its commands are done.
let server: MemcachedServer;
let dir: string;
let script: string;
const children: Tracked[] = [];

beforeAll(async () => {
  server = await startMemcached();
  dir = buildDir('lifetime-child');
  script = join(transpileTree(['src', 'test/integration/lifetime-child.ts'], dir), 'test', 'integration', 'lifetime-child.js');
});

afterAll(async () => {
  for (const child of children) await terminate(child);
  await server.stop();
  removeBuildDir(dir);
});

function run(kind: string, allow: boolean): Tracked {
  const child = spawnTracked(process.execPath, [script, server.spec, kind, String(allow)]);
  children.push(child);
  return child;
}

/** Whether the child ends by itself within `ms` (bounded; a loaded machine only makes it slower). */
async function endsWithin(child: Tracked, ms: number): Promise<boolean> {
  return Promise.race([child.closed.then(() => true), sleep(ms).then(() => false)]);
}

describe('allowExitOnIdle', () => {
  it.each(['client', 'pool', 'hash'])('a %s that is never closed lets the script end once its commands are answered', async (kind) => {
    const child = run(kind, true);
    expect(await endsWithin(child, 15_000)).toBe(true);
    expect(child.output()).toContain('got yes'); // it ended after its answers, not before
  });

  it('without it, an idle client keeps the process alive, as any open socket does', async () => {
    const child = run('client', false);
    // Generous: the child needs well under a second to connect and get its answer.
    await sleep(3000);
    expect(child.output()).toContain('got yes');
    expect(child.isClosed()).toBe(false);
  });
});

describe('health$ before the first command', () => {
  it('is idle: nothing has been tried, so nothing is down', async () => {
    const client = new Client(server.spec);
    const states: string[] = [];
    client.health$.subscribe((h) => states.push(h.state));
    expect(states).toEqual(['idle']);
    await client.get('k');
    expect(states.slice(0, 3)).toEqual(['idle', 'connecting', 'up']);
    await client.close();
  });
});
