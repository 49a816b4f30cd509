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
          .map((l) => (l === 'mn' ? answers.mn : l === 'version' ? answers.version : l.startsWith('get') ? 'END\r\n' : ''))
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

describe("protocol: 'auto' probe", () => {
  it('memcached 1.6.18: meta; the probe has its own connection, the client only sends its get', () => {
    const { protocol, written } = found({ mn: 'MN\r\n', version: 'VERSION 1.6.18\r\n' });
    expect(protocol).toBe('meta');
    expect(written.flat().filter((w) => w.includes('mn\r\n'))).toHaveLength(1);
    expect(written.some((ws) => ws.join('') === 'get k\r\n')).toBe(true);
  });

  it("an older meta dialect (ElastiCache's 1.6.6 answers MN): text", () => {
    expect(found({ mn: 'MN\r\n', version: 'VERSION 1.6.6\r\n' }).protocol).toBe('text');
  });

  it('a server that does not know mn (ERROR): text', () => {
    expect(found({ mn: 'ERROR\r\n', version: 'VERSION 1.5.6\r\n' }).protocol).toBe('text');
  });
});
