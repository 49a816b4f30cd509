import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheTimeoutError, MemcacheUnknownCommandError, traceCommands, type CommandTrace } from '../../src/index.js';
import { errorFields, operationFields, serverFields } from '../../src/executor/trace-fields.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

let tcp: MemcachedServer;
let unix: MemcachedServer;
beforeAll(async () => {
  [tcp, unix] = await Promise.all([startMemcached(), startMemcached({ unixSocket: true })]);
});
afterAll(async () => {
  await Promise.all([tcp.stop(), unix.stop()]);
});

/** Every trace as it looked at asyncEnd, while `run` runs. */
async function traced(run: () => PromiseLike<unknown>): Promise<CommandTrace[]> {
  const seen: CommandTrace[] = [];
  const stop = traceCommands({ asyncEnd: (t) => seen.push({ ...t }) });
  try {
    await run();
  } finally {
    stop();
  }
  return seen;
}

const semconv = (t: CommandTrace): Record<string, unknown> =>
  Object.fromEntries(Object.entries(t).filter(([k]) => k.includes('.')));

describe('OpenTelemetry fields on rxmemcache:command', () => {
  it('names the wire command and the server; a batch only from two operations on', async () => {
    const client = new Client(tcp.spec);
    try {
      const seen = await traced(async () => {
        await client.set('f:1', 'v', { noreply: false });
        await client.getMany(['f:1', 'f:2', 'f:3']);
        await client.setMany(new Map([['f:1', 'a'], ['f:2', 'b']]), { noreply: false });
        await client.setMany(new Map([['f:3', 'c']]), { noreply: false });
        await client.deleteMany(['f:1', 'f:2', 'f:3'], { noreply: false });
        await client.rawCommand('stats settings', { endTokens: 'END\r\n' });
      });
      const server = { 'db.system.name': 'memcached', 'server.address': '127.0.0.1', 'server.port': tcp.port };
      expect(seen.map(semconv)).toEqual([
        { ...server, 'db.operation.name': 'set' },
        { ...server, 'db.operation.name': 'get' },
        { ...server, 'db.operation.name': 'BATCH set', 'db.operation.batch.size': 2 },
        { ...server, 'db.operation.name': 'set' },
        { ...server, 'db.operation.name': 'BATCH delete', 'db.operation.batch.size': 3 },
        { ...server, 'db.operation.name': 'stats' },
      ]);
      expect(seen.map((t) => t.command)).toEqual(['set', 'get', 'setMany', 'setMany', 'deleteMany', 'raw']);
    } finally {
      await client.close();
    }
  });

  it('says what went on the wire with protocol meta', async () => {
    const client = new Client(tcp.spec, { protocol: 'meta' });
    try {
      const seen = await traced(async () => {
        await client.set('m:1', 'v', { noreply: false });
        await client.get('m:1');
        await client.deleteMany(['m:1', 'm:2'], { noreply: false });
      });
      expect(seen.map((t) => [t['db.operation.name'], t['db.operation.batch.size']])).toEqual([
        ['ms', undefined],
        ['mg', undefined],
        ['BATCH md', 2],
      ]);
    } finally {
      await client.close();
    }
  });

  it('gives a UNIX socket its path as address and no port', async () => {
    const client = new Client(unix.spec);
    try {
      const [trace] = await traced(() => client.get('u'));
      expect(trace?.['server.address']).toBe(unix.socketPath);
      expect(trace !== undefined && 'server.port' in trace).toBe(false);
    } finally {
      await client.close();
    }
  });

  it('sets error.type to the class name, and the status the server answered', async () => {
    const client = new Client(tcp.spec);
    try {
      const failures: CommandTrace[] = [];
      const stop = traceCommands({ error: (t) => failures.push({ ...t }) });
      try {
        await client.set('text', 'not a number', { noreply: false });
        await client.incr('text', 1).catch(() => undefined);
        await client.rawCommand('no_such_command').catch(() => undefined);
        await client.get('ok');
      } finally {
        stop();
      }
      expect(failures.map((t) => [t['db.operation.name'], t['error.type'], t['db.response.status_code']])).toEqual([
        ['incr', 'MemcacheClientError', 'CLIENT_ERROR'],
        ['no_such_command', 'MemcacheUnknownCommandError', 'ERROR'],
      ]);
    } finally {
      await client.close();
    }
  });
});

describe('the field rules', () => {
  it('reads host, IPv6 host and port, or a socket path from a server name', () => {
    expect(serverFields('cache.internal:11211')).toEqual({ 'server.address': 'cache.internal', 'server.port': 11211 });
    expect(serverFields('::1:11300')).toEqual({ 'server.address': '::1', 'server.port': 11300 });
    expect(serverFields('/run/memcached:1.sock')).toEqual({ 'server.address': '/run/memcached:1.sock' });
    // A relative socket path looks like host:port: the client says which it is.
    expect(serverFields('run/mc:1', true)).toEqual({ 'server.address': 'run/mc:1' });
  });

  it('a client of a relative socket path traces it as the path, with no port', async () => {
    const events: Array<Record<string, unknown>> = [];
    const client = new Client({ path: 'run/mc:1' }, { connectTimeout: 50, timeout: 100 });
    const off = traceCommands({ start: (t) => events.push({ address: t['server.address'], port: t['server.port'] }) });
    try {
      await client.get('k').catch(() => undefined);
    } finally {
      off();
      await client.close();
    }
    expect(events).toEqual([{ address: 'run/mc:1', port: undefined }]);
  });

  it('takes rawCommand’s first word only when it looks like a command', () => {
    const raw = (line: string | Uint8Array) => operationFields({ name: 'raw', keys: 0, parts: [line, '\r\n'], reader: undefined });
    expect(raw('lru_crawler metadump all')['db.operation.name']).toBe('lru_crawler');
    expect(raw(Buffer.from('mg key v'))['db.operation.name']).toBe('mg');
    expect(raw('ké y')['db.operation.name']).toBe('raw');
  });

  it('types errors by class, and anything thrown that is not an Error as _OTHER', () => {
    expect(errorFields(new MemcacheTimeoutError('slow'))).toEqual({ 'error.type': 'MemcacheTimeoutError' });
    expect(errorFields(new MemcacheUnknownCommandError('ERROR'))).toEqual({ 'error.type': 'MemcacheUnknownCommandError', 'db.response.status_code': 'ERROR' });
    expect(errorFields('boom')).toEqual({ 'error.type': '_OTHER' });
  });
});
