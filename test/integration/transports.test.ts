import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheConnectionError, type ServerSpec } from '../../src/index.js';
import { makeSelfSignedCert, startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

const reply = { noreply: false } as const;

async function roundTrip(spec: ServerSpec, options: ConstructorParameters<typeof Client>[1] = {}): Promise<void> {
  const client = new Client(spec, { timeout: 3000, connectTimeout: 3000, ...options });
  try {
    const value = Buffer.from([1, 2, 3, 13, 10, 0]);
    expect(await client.set('transport-key', value, reply)).toBe(true);
    expect(Buffer.compare(Buffer.from((await client.get('transport-key')) as Uint8Array), value)).toBe(0);
    expect(only(await client.version())).toMatch(/^1\.6/);
  } finally {
    await client.close();
  }
}

describe('TCP and IPv6 loopback', () => {
  let v4: MemcachedServer;
  let v6: MemcachedServer;
  beforeAll(async () => {
    [v4, v6] = await Promise.all([startMemcached(), startMemcached({ host: '::1' })]);
  });
  afterAll(async () => {
    await Promise.all([v4.stop(), v6.stop()]);
  });

  it('accepts every TCP spec form', async () => {
    await roundTrip(`127.0.0.1:${v4.port}`);
    await roundTrip(['127.0.0.1', v4.port]);
    await roundTrip({ host: '127.0.0.1', port: v4.port });
    await roundTrip(`localhost:${v4.port}`);
  });

  it('speaks over IPv6 loopback with a bracketed spec', async () => {
    await roundTrip(`[::1]:${v6.port}`);
    await roundTrip({ host: '::1', port: v6.port });
  });

  it('sets TCP options without breaking the connection', async () => {
    await roundTrip(v4.spec, { noDelay: false, keepAlive: 5000 });
    await roundTrip(v4.spec, { noDelay: true, keepAlive: true });
  });
});

describe('UNIX domain socket', () => {
  let server: MemcachedServer;
  beforeAll(async () => {
    server = await startMemcached({ unixSocket: true });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('accepts a path, a unix: prefix and { path }', async () => {
    const path = server.socketPath as string;
    expect(path.startsWith('/')).toBe(true);
    await roundTrip(path);
    await roundTrip(`unix:${path}`);
    await roundTrip({ path });
  });
});

describe('TLS (memcached -Z with a self-signed certificate)', () => {
  let server: MemcachedServer;
  let dir: string;
  let cert: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxmc-tls-'));
    const made = makeSelfSignedCert(dir);
    cert = made.cert;
    server = await startMemcached({ tls: { certFile: made.certFile, keyFile: made.keyFile } });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('works when the certificate is trusted, by IP and by host name', async () => {
    await roundTrip(`127.0.0.1:${server.port}`, { tls: { ca: cert } });
    await roundTrip(`localhost:${server.port}`, { tls: { ca: cert } });
  });

  it('refuses an untrusted certificate with a typed error (tls: true verifies)', async () => {
    const client = new Client(`127.0.0.1:${server.port}`, { tls: true, connectTimeout: 3000 });
    try {
      const error = await client.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheConnectionError);
      expect(String((error as Error).message)).toMatch(/certificate/i);
    } finally {
      await client.close();
    }
  });

  it('does not fall back to plain TCP: a plain client cannot read a TLS port', async () => {
    const client = new Client(`127.0.0.1:${server.port}`, { timeout: 500, connectTimeout: 1000 });
    try {
      await expect(client.version()).rejects.toBeDefined();
    } finally {
      await client.close();
    }
  });
});
