// The memcached the bench talks to: MEMCACHED_SERVERS (first entry) if set,
// otherwise one we start on a free loopback port and stop by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface ServerHandle {
  host: string;
  port: number;
  /** host:port, as given to every client. */
  address: string;
  /** The command line we started memcached with, or where it came from. */
  origin: string;
  /** Stops memcached if we started it; synchronous so it can run on 'exit'. */
  stop(): void;
  /** Stops it and waits (up to 2 s) until it has exited. */
  close(): Promise<void>;
}

export async function acquireServer(): Promise<ServerHandle> {
  const env = process.env['MEMCACHED_SERVERS']?.trim();
  if (env) {
    const first = env.split(/[\s,]+/)[0] ?? '';
    const at = first.lastIndexOf(':');
    const host = at > 0 ? first.slice(0, at) : first;
    const port = at > 0 ? Number(first.slice(at + 1)) : 11211;
    if (!host || !Number.isInteger(port) || port <= 0) throw new Error(`bad MEMCACHED_SERVERS entry: ${first}`);
    await waitForTcp(host, port, 2000, undefined);
    const stop = (): void => {};
    return { host, port, address: `${host}:${port}`, origin: `MEMCACHED_SERVERS=${env}`, stop, close: async () => {} };
  }
  return startMemcached();
}

async function startMemcached(): Promise<ServerHandle> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const args = ['-U', '0', '-l', host, '-p', String(port), '-m', '256', '-c', '4096', '-t', '2'];
  if (process.getuid?.() === 0) args.push('-u', 'root');
  const child = spawn('memcached', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const stop = (): void => killChild(child);
  try {
    await waitForTcp(host, port, 5000, child);
  } catch (e) {
    stop();
    const why = stderr.trim() ? `: ${stderr.trim()}` : '';
    throw new Error(`memcached did not start (${(e as Error).message})${why}`);
  }
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(resolve, 2000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      stop();
    });
  return { host, port, address: `${host}:${port}`, origin: `memcached ${args.join(' ')} (pid ${child.pid})`, stop, close };
}

function killChild(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function tryConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function waitForTcp(host: string, port: number, ms: number, child: ChildProcess | undefined): Promise<void> {
  const deadline = Date.now() + ms;
  let spawnError: Error | undefined;
  child?.once('error', (e) => (spawnError = e));
  for (;;) {
    if (spawnError) throw spawnError;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    if (await tryConnect(host, port)) return;
    if (Date.now() > deadline) throw new Error(`${host}:${port} not accepting TCP after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The server's answer to `version`, e.g. "1.6.18". */
export function serverVersion(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    let buf = '';
    const done = (v: string): void => {
      s.destroy();
      resolve(v);
    };
    s.setTimeout(2000, () => done('unknown (timeout)'));
    s.once('error', (e) => done(`unknown (${e.message})`));
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      const eol = buf.indexOf('\r\n');
      if (eol >= 0) done(buf.slice(0, eol).replace(/^VERSION /, ''));
    });
    s.write('version\r\n');
  });
}
