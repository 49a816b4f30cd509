import { NEVER, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, PooledClient, type ClientEvent } from '../src/index.js';
import { createFakeTransport, latin1 } from './fake-transport.js';
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

/** A memcached 1.6.18 to the probe and to the client: text and meta gets miss, noreply sets are silent. */
function memcached(line: string): string {
  if (line.includes(' slow')) return ''; // never answered: in flight when the connection breaks
  if (line === 'mn') return 'MN\r\n';
  if (line === 'version') return 'VERSION 1.6.18\r\n';
  if (line.startsWith('get ')) return 'END\r\n';
  if (line.startsWith('mg ')) return metaMiss(line);
  return '';
}

function autoClient(respondAfter: number, replies?: (connection: number) => Observable<Buffer>, scheduler = createTestScheduler(), options: { maxPipeline?: number; pooled?: boolean } = {}) {
  const fake = createFakeTransport({
    scheduler,
    respondAfter,
    ...(replies === undefined ? {} : { replies }),
    respond: (data) =>
      data
        .split('\r\n')
        .filter((l) => l !== '')
        .map(memcached)
        .join(''),
  });
  const { pooled, ...own } = options;
  const settings = { scheduler, protocol: 'auto', timeout: 1000, connect: () => fake.transport, ...own } as const;
  const client = pooled === true ? new PooledClient(SERVER, { ...settings, maxPoolSize: 1 }) : new Client(SERVER, settings);
  /** The keys of the gets the client's own connections sent, in order, with the protocol each went in. */
  const gets = (): string[] =>
    fake.writes
      .filter((w) => !w.data.includes('version\r\n'))
      .flatMap((w) => w.data.split('\r\n'))
      .filter((l) => l.startsWith('get ') || l.startsWith('mg '))
      .map((l) => `${l.startsWith('mg') ? 'meta' : 'text'} ${l.split(' ')[1] ?? ''}`);
  const probes = (): number => fake.writes.filter((w) => w.data.includes('version\r\n')).length;
  return { scheduler, client, gets, probes };
}

describe("protocol: 'auto' while the probe runs", () => {
  it('commands wait for its answer, then go in the order they came, as meta', () => {
    const { scheduler, client, gets } = autoClient(5);
    scheduler.run(({ expectObservable }) => {
      expectObservable(client.get('a')).toBe('----------(u|)', { u: undefined }); // probe answered at 5, get at 10
      scheduler.schedule(() => void client.get('b').subscribe(), 2);
      scheduler.schedule(() => void client.get('c').subscribe(), 3);
    });
    expect(gets()).toEqual(['meta a', 'meta b', 'meta c']);
    void client.close();
  });

  it('a command unsubscribed while it waits is never sent', () => {
    const { scheduler, client, gets } = autoClient(5);
    scheduler.run(() => {
      const gone = client.get('gone').subscribe();
      client.get('kept').subscribe();
      scheduler.schedule(() => gone.unsubscribe(), 1);
    });
    expect(gets()).toEqual(['meta kept']);
    void client.close();
  });

  it('close() while it runs: what waited still goes out, as text, and is answered', async () => {
    const { scheduler, client, gets } = autoClient(5);
    let result: unknown = 'pending';
    scheduler.run(() => {
      client.get('a').subscribe((v) => (result = v));
      scheduler.schedule(() => void client.close(), 1);
    });
    expect(gets()).toEqual(['text a']);
    expect(result).toBeUndefined();
    await client.close();
  });

  it('health$ says which protocol was found; once the connection is gone, the next command asks again', () => {
    const { scheduler, client, gets, probes } = autoClient(1);
    const ups: string[] = [];
    client.health$.subscribe((h) => h.state === 'up' && ups.push(h.protocol ?? 'unknown'));
    scheduler.run(() => {
      client.get('a').subscribe();
      scheduler.schedule(() => void client.quit().subscribe(), 10);
      scheduler.schedule(() => void client.get('b').subscribe(), 20);
    });
    expect(probes()).toBe(2);
    expect(gets()).toEqual(['meta a', 'meta b']);
    expect(ups.at(-1)).toBe('meta');
    void client.close();
  });
});

describe("protocol: 'auto' after a failing server's connection is lost", () => {
  it('sends text (which every server speaks) until a new connection is up and the next command has asked again', () => {
    const scheduler = createTestScheduler();
    let rig: ReturnType<typeof autoClient> | undefined;
    scheduler.run(({ cold }) => {
      // Connection 1 is the client's first: reset at 6 ms with `get slow` in flight (a failure).
      rig = autoClient(1, (n) => (n === 1 ? cold<Buffer>('------#', undefined, new Error('read ECONNRESET')) : NEVER), scheduler);
      const { client } = rig;
      client.get('a').subscribe();
      // Built while meta was believed (so built as mg first), sent after the failure: it must go as text.
      let late: ReturnType<typeof client.get> | undefined;
      scheduler.schedule(() => {
        late = client.get('late');
        expect(latin1(client.codec.wire.retrieve('get', ['x']).parts)).toMatch(/^mg x /);
      }, 3);
      scheduler.schedule(() => void client.get('slow').subscribe({ error: () => undefined }), 4);
      scheduler.schedule(() => void late?.subscribe(), 8);
      scheduler.schedule(() => void client.get('b').subscribe(), 10);
      scheduler.schedule(() => void client.get('c').subscribe(), 20);
      scheduler.schedule(() => void client.close(), 30);
    });
    // `late` reopened the connection, so `b` waited for the new probe.
    expect(rig?.gets()).toEqual(['meta a', 'meta slow', 'text late', 'meta b', 'meta c']);
    expect(rig?.probes()).toBe(2);
  });
});

/**
 * One command in flight at a time: `queued` waits behind `slow` (in the connection's queue, or in a
 * pool of one connection, in the pool's line) when connection 1 resets at 6 ms, then goes to connection
 * 2. Returns what the client's connections were sent, and how the two commands ended.
 */
function carriedOver(pooled: boolean): { gets: string[] | undefined; outcomes: string[] } {
  const scheduler = createTestScheduler();
  let rig: ReturnType<typeof autoClient> | undefined;
  const outcomes: string[] = [];
  scheduler.run(({ cold }) => {
    const reset = (n: number): Observable<Buffer> => (n === 1 ? cold<Buffer>('------#', undefined, new Error('read ECONNRESET')) : NEVER);
    rig = autoClient(1, reset, scheduler, { maxPipeline: 1, pooled });
    const { client } = rig;
    client.get('a').subscribe();
    scheduler.schedule(() => void client.get('slow').subscribe({ error: (e: unknown) => outcomes.push(`slow ${(e as Error).name}`) }), 4);
    scheduler.schedule(() => void client.get('queued').subscribe({ next: (v) => outcomes.push(`queued ${String(v)}`) }), 5);
    scheduler.schedule(() => void client.close(), 30);
  });
  return { gets: rig?.gets(), outcomes };
}

describe("protocol: 'auto': a command built as meta, carried over a failure", () => {
  // The server may come back speaking only text: an `mg` would get ERROR, and an `ms`'s data block would
  // be run as a command of its own.
  it.each([
    ['waiting in the connection’s queue', false],
    ['waiting in a pool’s line for a connection', true],
  ])('%s, is written as text on the next connection', (_, pooled) => {
    const { gets, outcomes } = carriedOver(pooled);
    expect(gets).toEqual(['meta a', 'meta slow', 'text queued']);
    expect(outcomes).toEqual(['slow MemcacheConnectionError', 'queued undefined']);
  });
});

describe("protocol: 'auto' when the probe gets no answer", () => {
  it('a command held for it still settles at its own deadline, counted from when it was issued', () => {
    const scheduler = createTestScheduler();
    const settled: Array<{ at: number; error: string }> = [];
    scheduler.run(() => {
      // A silent server: the probe hears nothing, nor would the client's own connection.
      const fake = createFakeTransport({ scheduler, respond: () => undefined });
      const client = new Client(SERVER, { scheduler, protocol: 'auto', timeout: 1000, connect: () => fake.transport });
      const issue = (key: string): void =>
        void client.get(key).subscribe({ error: (e: unknown) => settled.push({ at: scheduler.now(), error: (e as Error).name }) });
      issue('a');
      scheduler.schedule(() => issue('b'), 300);
      scheduler.schedule(() => void client.close(), 5000);
    });
    expect(settled).toEqual([
      { at: 1000, error: 'MemcacheTimeoutError' },
      { at: 1300, error: 'MemcacheTimeoutError' },
    ]);
  });
});
