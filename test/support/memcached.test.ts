// Tests of the harness itself: if these fail, integration test failures mean nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, makeSelfSignedCert, rawExchange, startMemcached, stopAll } from './memcached.js';

const isVersion = (reply: string): boolean => /^VERSION 1\.6\.\d+/.test(reply);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `version` over an already-created socket (UNIX or TLS) and returns the first line. */
function versionOver(sock: net.Socket, connectEvent: 'connect' | 'secureConnect'): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    const timer = setTimeout(() => done(new Error(`timeout; got ${JSON.stringify(acc)}`)), 2000);
    const done = (err?: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      if (err !== undefined) reject(err);
      else resolve(acc);
    };
    sock.once(connectEvent, () => sock.write('version\r\n'));
    sock.on('data', (c: Buffer) => {
      acc += c.toString('latin1');
      if (acc.endsWith('\r\n')) done();
    });
    sock.once('error', (e) => done(e));
  });
}

afterAll(async () => {
  await stopAll();
});

describe('memcached test harness', () => {
  it('freePort returns a bindable port', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
  });

  it('starts a TCP server that answers version', async () => {
    const mc = await startMemcached();
    expect(mc.spec).toBe(`127.0.0.1:${mc.port}`);
    const reply = await rawExchange(mc.port, '127.0.0.1', 'version\r\n', /\r\n$/);
    expect(reply.startsWith('VERSION 1.6')).toBe(true);
    await mc.stop();
  });

  it('starts on the IPv6 loopback ::1', async () => {
    // This machine has ::1; if it ever does not, this fails loudly rather than skipping.
    const probe = await freePort('::1').catch((e: Error) => e);
    expect(probe, 'IPv6 loopback ::1 must be available for the IPv6 tests').not.toBeInstanceOf(Error);
    const mc = await startMemcached({ host: '::1' });
    expect(mc.spec).toBe(`[::1]:${mc.port}`);
    expect(isVersion(await rawExchange(mc.port, '::1', 'version\r\n', /\r\n$/))).toBe(true);
    await mc.stop();
  });

  it('starts on a UNIX socket', async () => {
    const mc = await startMemcached({ unixSocket: true });
    expect(mc.socketPath).toBeDefined();
    expect(mc.spec).toBe(mc.socketPath);
    const reply = await versionOver(net.connect({ path: mc.spec }), 'connect');
    expect(isVersion(reply)).toBe(true);
    await mc.stop();
  });

  it('pause stops answers, resume brings them back', async () => {
    const mc = await startMemcached();
    mc.pause();
    // The kernel still accepts the connection, but a SIGSTOPped server never replies.
    await expect(rawExchange(mc.port, '127.0.0.1', 'version\r\n', /\r\n$/, 300)).rejects.toThrow(/timed out/);
    mc.resume();
    expect(isVersion(await rawExchange(mc.port, '127.0.0.1', 'version\r\n', /\r\n$/))).toBe(true);
    await mc.stop();
  });

  it('stop works on a paused server', async () => {
    const mc = await startMemcached();
    const pid = mc.pid;
    mc.pause();
    await mc.stop();
    expect(isAlive(pid)).toBe(false);
  });

  it('restart keeps the port, gets a new pid and drops the data', async () => {
    const mc = await startMemcached();
    const { port, pid } = mc;
    await rawExchange(port, '127.0.0.1', 'set k 0 0 1\r\nv\r\n', 'STORED\r\n');
    await mc.restart();
    expect(mc.port).toBe(port);
    expect(mc.pid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(await rawExchange(port, '127.0.0.1', 'get k\r\n', 'END\r\n')).toBe('END\r\n');
    await mc.stop();
  });

  it('restart keeps the UNIX socket path', async () => {
    const mc = await startMemcached({ unixSocket: true });
    const path = mc.spec;
    await mc.restart();
    expect(mc.spec).toBe(path);
    expect(isVersion(await versionOver(net.connect({ path }), 'connect'))).toBe(true);
    await mc.stop();
  });

  it('stop leaves no process behind', async () => {
    const mc = await startMemcached();
    const pid = mc.pid;
    expect(isAlive(pid)).toBe(true);
    await mc.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('passes -I and -m through (visible in stats settings)', async () => {
    const mc = await startMemcached({ maxItemSize: '2m', memoryMb: 32 });
    const stats = await rawExchange(mc.port, '127.0.0.1', 'stats settings\r\n', 'END\r\n');
    expect(stats).toContain('STAT item_size_max 2097152\r\n');
    expect(stats).toContain('STAT maxbytes 33554432\r\n');
    await mc.stop();
  });

  it('serves TLS with a self-signed certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxmc-tls-'));
    try {
      const { certFile, keyFile, cert } = makeSelfSignedCert(dir);
      expect(cert).toContain('BEGIN CERTIFICATE');
      const mc = await startMemcached({ tls: { certFile, keyFile } });
      const sock = tls.connect({ host: '127.0.0.1', port: mc.port, ca: cert, servername: 'localhost' });
      expect(isVersion(await versionOver(sock, 'secureConnect'))).toBe(true);
      await mc.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives up after retries and reports memcached stderr', async () => {
    await expect(startMemcached({ extraArgs: ['--no-such-flag'] })).rejects.toThrow(
      /failed to start after 5 attempts[\s\S]*no-such-flag/,
    );
  });

  it('rawExchange rejects on timeout and cleans up', async () => {
    const mc = await startMemcached();
    await expect(rawExchange(mc.port, '127.0.0.1', 'version\r\n', 'NEVER', 200)).rejects.toThrow(/timed out/);
    await mc.stop();
  });
});
