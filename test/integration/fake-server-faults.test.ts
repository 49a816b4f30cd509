import { describe, expect, it } from 'vitest';
import {
  Client,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
  MemcacheUnknownError,
} from '../../src/index.js';
import { startFakeServer, type FakeServer } from '../support/fake-server.js';
import { only } from '../support/only.js';
import { closedAfterEach } from '../support/closed-after-each.js';

// Faults a real memcached never produces, so a scripted FAKE server plays them.
let fake: FakeServer | undefined;
let client: Client | undefined;
closedAfterEach(() => client, () => fake);

describe('fake server faults', () => {
  it('silence: every in-flight command times out, the connection is dropped, the next one reconnects', async () => {
    fake = await startFakeServer((socket, data, connection) => {
      if (connection > 0 && data.includes('version')) socket.write('VERSION 9.9.9\r\n');
    });
    client = new Client(fake.spec, { protocol: 'text', timeout: 200 });
    const errors = await Promise.all(['a', 'b', 'c'].map((k) => client!.get(k).catch((e: unknown) => e)));
    for (const e of errors) expect(e).toBeInstanceOf(MemcacheTimeoutError);
    expect(only(await client.version())).toBe('9.9.9');
    expect(fake.received.length).toBe(2);
  });

  it('garbage: the reply cannot be parsed, commands fail with MemcacheUnknownError, the connection is not reused', async () => {
    fake = await startFakeServer((socket, data, connection) => {
      if (connection === 0) socket.write('HELLO\x00WORLD\r\n');
      else if (data.includes('get')) socket.write('END\r\n');
    });
    client = new Client(fake.spec, { protocol: 'text', timeout: 1000 });
    await expect(client.get('x')).rejects.toBeInstanceOf(MemcacheUnknownError);
    expect(await client.get('x')).toBeUndefined();
    expect(fake.received.length).toBe(2);
  });

  it('a VALUE for a key nobody asked for is a desync: fail, do not deliver', async () => {
    fake = await startFakeServer((socket) => socket.write('VALUE other 0 5\r\nwrong\r\nEND\r\n'));
    client = new Client(fake.spec, { protocol: 'text', timeout: 1000 });
    await expect(client.get('mine')).rejects.toBeInstanceOf(MemcacheUnknownError);
  });

  it('close in the middle of a value: MemcacheUnexpectedCloseError for everything in flight', async () => {
    fake = await startFakeServer((socket) => {
      socket.write('VALUE a 0 100\r\nonly-part-of-it');
      socket.end();
    });
    client = new Client(fake.spec, { protocol: 'text', timeout: 1000 });
    const errors = await Promise.all([client.get('a'), client.get('b')].map((c) => c.catch((e: unknown) => e)));
    for (const e of errors) expect(e).toBeInstanceOf(MemcacheUnexpectedCloseError);
  });

  it('replies split into 1-byte writes are parsed the same', async () => {
    fake = await startFakeServer((socket, data) => {
      if (!data.includes('get')) return;
      const reply = 'VALUE a 16 7\r\nx\r\ny\r\nz\r\nEND\r\n';
      let i = 0;
      const drip = (): void => {
        if (i < reply.length && !socket.destroyed) socket.write(reply[i++] as string, () => setImmediate(drip));
      };
      drip();
    });
    client = new Client(fake.spec, { protocol: 'text', timeout: 2000, noDelay: true });
    expect(await client.get('a')).toBe('x\r\ny\r\nz');
  });

  it('an oversized declared length is refused before allocating', async () => {
    fake = await startFakeServer((socket) => socket.write('VALUE a 0 99999999999999\r\n'));
    client = new Client(fake.spec, { protocol: 'text', timeout: 1000 });
    await expect(client.get('a')).rejects.toBeInstanceOf(MemcacheUnknownError);
  });
});
