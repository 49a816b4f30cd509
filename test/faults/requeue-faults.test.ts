import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { faultSuite } from '../support/fault-suite.js';

// A connection dropped because its server went silent takes down only what it carried (issue 9,
// A.2, last bullet): commands still waiting to be written were never sent, so they go to the next
// connection and succeed there; they are not failed with the dead one. Real memcached behind the
// fault proxy, which silences the open connection and serves new ones normally.
const TIMEOUT = 600;
const PIPELINE = 2;

const suite = faultSuite({ proxy: true });

const outcome = (p: PromiseLike<unknown>): Promise<unknown> =>
  Promise.resolve(p).then((v) => v, (e: unknown) => `${(e as Error).name}: ${(e as Error).message}`);

describe('a connection dropped as silent', () => {
  it('fails what it had written; what was still queued goes out on the next connection', async () => {
    const client = new Client(suite.proxy.spec, { protocol: 'text', timeout: TIMEOUT, maxPipeline: PIPELINE });
    try {
      const keys = ['rq:0', 'rq:1', 'rq:2', 'rq:3'];
      await Promise.all(keys.map((k) => client.set(k, `value of ${k}`, { noreply: false })));
      suite.proxy.muteOpen();
      // These two fill the pipeline and go out into the silence.
      const written = ['rq:0', 'rq:1'].map((k) => outcome(client.get(k)));
      await sleep((2 * TIMEOUT) / 3); // leaves them TIMEOUT / 3 of their own after the drop
      // These wait behind them, still within their own timeout when the silence is judged.
      const queued = [
        ...keys.map((k) => outcome(client.get(k))),
        outcome(client.set('rq:new', 'stored after the drop', { noreply: false })),
        outcome(client.set('rq:quiet', 'noreply, after the drop')),
      ];
      const seen = { written: await Promise.all(written), queued: await Promise.all(queued) };
      expect(seen.written.every((o) => typeof o === 'string' && o.startsWith('MemcacheTimeoutError'))).toBe(true);
      expect(seen.queued).toEqual([...keys.map((k) => `value of ${k}`), true, true]);
      expect(suite.proxy.stats.connections).toBe(2); // the silent one, then one new one for everything queued
      expect(await client.getMany(['rq:new', 'rq:quiet'])).toEqual(new Map([['rq:new', 'stored after the drop'], ['rq:quiet', 'noreply, after the drop']]));
    } finally {
      client.destroy();
    }
  });
});
