import { describe, expect, it } from 'vitest';
import { Client, type ClientEvent } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// protocol: 'auto' asks each server on a connection of its own (`mn`, then `version`) and settles on
// meta only for memcached 1.6.10 or later. Fake servers, to be the versions this machine does not run.

const SERVER = '127.0.0.1:1';

function found(answers: { mn: string; version: string }): { protocol: string | undefined; written: string[][] } {
  const scheduler = createTestScheduler();
  let protocol: string | undefined;
  const written: string[][] = [];
  scheduler.run(() => {
    const fake = createFakeTransport({
      scheduler,
      respond: (data) =>
        data
          .split('\r\n')
          .filter((l) => l !== '')
          .map((l) => (l === 'mn' ? answers.mn : l === 'version' ? answers.version : l.startsWith('get') ? 'END\r\n' : l.startsWith('mg ') ? metaMiss(l) : ''))
          .join(''),
    });
    const client = new Client(SERVER, { scheduler, protocol: 'auto', connect: () => fake.transport });
    client.events$.subscribe((e: ClientEvent) => e.type === 'protocol' && (protocol = e.protocol));
    client.get('k').subscribe();
    scheduler.flush();
    for (let c = 0; c < fake.connections.length; c++) written.push(fake.writes.filter((w) => w.connection === c).map((w) => w.data));
    void client.close();
  });
  return { protocol, written };
}

/** memcached's miss: `EN`, echoing the request's `k` and `O` flags. */
function metaMiss(line: string): string {
  const [, key, ...flags] = line.split(' ');
  const echoed = flags.flatMap((f) => (f === 'k' ? [`k${key ?? ''}`] : f.startsWith('O') ? [f] : []));
  return ['EN', ...echoed].join(' ') + '\r\n';
}

/** What the client's own connection (not the probe's) was sent. */
function clientWrites(written: string[][]): string[] {
  return written.filter((ws) => !ws.some((w) => w.includes('version\r\n'))).flat();
}

describe("protocol: 'auto' probe", () => {
  it('memcached 1.6.18: meta; the probe has its own connection, and the first get waits for it to go as mg', () => {
    const { protocol, written } = found({ mn: 'MN\r\n', version: 'VERSION 1.6.18\r\n' });
    expect(protocol).toBe('meta');
    expect(written.flat().filter((w) => w.includes('mn\r\n'))).toHaveLength(1);
    const sent = clientWrites(written);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^mg k .*\r\n$/);
  });

  it("an older meta dialect (ElastiCache's 1.6.6 answers MN): text", () => {
    const { protocol, written } = found({ mn: 'MN\r\n', version: 'VERSION 1.6.6\r\n' });
    expect(protocol).toBe('text');
    expect(clientWrites(written)).toEqual(['get k\r\n']);
  });

  it('a server that does not know mn (ERROR): text', () => {
    const { protocol, written } = found({ mn: 'ERROR\r\n', version: 'VERSION 1.5.6\r\n' });
    expect(protocol).toBe('text');
    expect(clientWrites(written)).toEqual(['get k\r\n']);
  });
});
