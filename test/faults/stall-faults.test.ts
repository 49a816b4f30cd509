import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Client, type ConnectionHealth } from '../../src/index.js';
import { faultSuite } from '../support/fault-suite.js';
import { rawExchange } from '../support/memcached.js';

// The application blocks the event loop (a big JSON.parse, a sync loop) for longer than `timeout`
// while replies sit in the socket (issue 9, A.2). Those replies arrived in time: they must be read
// before any deadline is judged, and the connection must stay. Real memcached, no proxy.
const TIMEOUT = 200;
const GETS = 20;

const suite = faultSuite();

/** memcached's `cmd_get` counter, read over a socket of its own, from a stalled event loop. */
function cmdGetNow(port: number): number {
  const probe = `
    const s = require('node:net').connect(${port}, '127.0.0.1', () => s.write('stats\\r\\n'));
    let text = '';
    s.setTimeout(2000, () => process.exit(2));
    s.on('data', (c) => { text += c; if (text.includes('END\\r\\n')) { console.log(/STAT cmd_get (\\d+)/.exec(text)[1]); s.destroy(); } });`;
  return Number(execFileSync(process.execPath, ['-e', probe], { encoding: 'latin1', timeout: 5000 }).trim());
}

async function cmdGet(port: number): Promise<number> {
  return Number(/STAT cmd_get (\d+)/.exec(await rawExchange(port, '127.0.0.1', 'stats\r\n', 'END\r\n'))?.[1]);
}

const short = (key: string): string => `value of ${key}`;
const failure = (error: unknown): string => `${(error as Error).name}: ${(error as Error).message}`;

/** Blocks the event loop for `ms`, as a long synchronous computation would. */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O callback can run meanwhile
  }
}

describe('an event-loop stall of 2× timeout with replies pending', () => {
  it('every get gets its value, a get issued as the stall ends too, and the connection stays', async () => {
    const client = new Client(suite.memcached.spec, { timeout: TIMEOUT });
    try {
      const keys = Array.from({ length: GETS }, (_, i) => `stall:${i}`);
      await Promise.all(keys.map((k) => client.set(k, short(k), { noreply: false })));
      await client.set('stall:after', short('stall:after'), { noreply: false });
      const health: ConnectionHealth['state'][] = [];
      client.health$.subscribe((h) => health.push(h.state));
      const getsBefore = await cmdGet(suite.memcached.port);

      const outcomes = keys.map((k) => client.get(k).then((v) => v, failure));
      // Microtasks only: the end-of-tick flush writes the gets, yet no I/O callback can read a reply.
      for (let i = 0; i < 20; i++) await Promise.resolve();
      stall(2 * TIMEOUT);
      // The precondition, checked from inside the stall: the server has answered every get already.
      expect(cmdGetNow(suite.memcached.port) - getsBefore).toBe(GETS);
      const after = client.get('stall:after').then((v) => v, failure);

      const seen = { gets: await Promise.all(outcomes), after: await after, health };
      // Never dropped, never reconnected: health stays where it was.
      expect(seen).toEqual({ gets: keys.map(short), after: short('stall:after'), health: ['up'] });
    } finally {
      client.destroy();
    }
  });
});
