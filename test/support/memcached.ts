// Test harness: starts and stops REAL memcached processes for integration tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import type { NetConnectOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { aptInstall, isRoot, PID_DIR_ENV, running, spawnTracked, terminate, trackTempDir, trySignal, untrackTempDir, type Tracked } from './processes.js';

export interface MemcachedOptions {
  host?: '127.0.0.1' | '::1';
  unixSocket?: boolean;
  extraArgs?: string[];
  tls?: { certFile: string; keyFile: string };
  enableShutdown?: boolean;
  maxItemSize?: string; // memcached -I, e.g. '1m'
  memoryMb?: number;
}

export interface MemcachedServer {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly socketPath?: string;
  readonly spec: string; // 'host:port', '[::1]:port' or the socket path
  stop(): Promise<void>;
  pause(): void; // SIGSTOP: the kernel still accepts connections, nothing is answered
  resume(): void; // SIGCONT
  restart(): Promise<void>; // same port / socket path, new pid, empty cache
}

export { PID_DIR_ENV };
type Running = Tracked;
const INSTALL_HINT =
  'memcached binary not found. Integration tests need a real memcached 1.6.x: install the Debian ' +
  'package with `apt-get install -y memcached` (as root; run `apt-get update` first if apt cannot find it).';
const READY_TIMEOUT_MS = 5000;
const START_ATTEMPTS = 5;
// Socket directories of servers still running, removed by stopAll().
const tempDirs = new Set<string>();

let cachedBinary: string | undefined;

export function ensureMemcachedBinary(): string {
  cachedBinary ??= findBinary() ?? (isRoot() ? installWithApt() : undefined);
  if (cachedBinary === undefined) throw new Error(INSTALL_HINT);
  return cachedBinary;
}

function findBinary(): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', 'command -v memcached'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (out.trim() !== '') return out.trim();
  } catch { /* `command -v` exits non-zero when absent: try the fixed path */ }
  return existsSync('/usr/bin/memcached') ? '/usr/bin/memcached' : undefined;
}

function installWithApt(): string | undefined {
  aptInstall('memcached', 'memcached not found');
  return findBinary();
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('freePort: no port assigned'))));
    });
  });
}

function buildArgs(o: MemcachedOptions, host: string, port: number, socketPath?: string): string[] {
  const args = ['-U', '0', '-m', String(o.memoryMb ?? 64), '-c', '1024', '-t', '2'];
  // -s disables TCP entirely, so -l/-p only make sense in TCP mode.
  if (socketPath !== undefined) args.push('-s', socketPath, '-a', '0700');
  else args.push('-l', host, '-p', String(port));
  if (isRoot()) args.push('-u', 'root'); // memcached refuses to run as root otherwise
  if (o.enableShutdown === true) args.push('-A');
  if (o.maxItemSize !== undefined) args.push('-I', o.maxItemSize);
  if (o.tls !== undefined) args.push('-Z', '-o', `ssl_chain_cert=${o.tls.certFile},ssl_key=${o.tls.keyFile}`);
  return [...args, ...(o.extraArgs ?? [])];
}

function canConnect(target: NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(target);
    const done = (ok: boolean): void => (sock.destroy(), resolve(ok));
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Polls every 20 ms until the server accepts a connection, exits, or 5 s pass. */
async function waitReady(run: Running, target: NetConnectOpts, plain: boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !run.isClosed()) {
    if (await canConnect(target)) return plain ? await answersAs(run, target) : await stillAlive(run);
    await sleep(20);
  }
  return false;
}

/**
 * Two workers can get the same port from freePort(); the loser's memcached fails to bind, but its
 * readiness probe would reach the winner. Asking for the pid tells them apart.
 */
async function answersAs(run: Running, target: NetConnectOpts): Promise<boolean> {
  const reply = await new Promise<string>((resolve) => {
    const socket = net.connect(target);
    let text = '';
    const done = (): void => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(1000, done);
    socket.on('error', done);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (text.includes('END\r\n')) done();
    });
    socket.write('stats\r\n');
  });
  return reply.includes(`STAT pid ${run.pid}\r\n`) && !run.isClosed();
}

/** TLS listeners cannot be asked in plain text: give a port clash time to kill the process. */
async function stillAlive(run: Running): Promise<boolean> {
  await sleep(100);
  return !run.isClosed();
}

/** One spawn + readiness wait. On failure the process is gone and the error text returned. */
async function launch(bin: string, args: string[], target: NetConnectOpts): Promise<Running | string> {
  const run = spawnTracked(bin, args);
  // TLS and -Y (auth) listeners cannot answer a plain `stats`.
  if (await waitReady(run, target, !args.includes('-Z') && !args.includes('-Y'))) return run;
  await terminate(run);
  return `memcached ${args.join(' ')}\n${run.output() || '(no stderr)'}`;
}

// What restart() needs to relaunch the same server; `run` is swapped on restart.
interface ServerState {
  bin: string; args: string[]; target: NetConnectOpts; run: Running;
  host: string; port: number; socketPath: string | undefined; dir: string | undefined;
}

export async function startMemcached(options: MemcachedOptions = {}): Promise<MemcachedServer> {
  const bin = ensureMemcachedBinary();
  const host = options.host ?? '127.0.0.1';
  // Under the pid dir when there is one, so global-setup's teardown removes it even if
  // this worker never gets to (threads pool, SIGKILL).
  const base = process.env[PID_DIR_ENV] ?? tmpdir();
  const dir = options.unixSocket === true ? mkdtempSync(join(existsSync(base) ? base : tmpdir(), 'rxmc-')) : undefined;
  if (dir !== undefined) {
    tempDirs.add(dir);
    trackTempDir(dir);
  }
  const socketPath = dir === undefined ? undefined : join(dir, 'mc.sock');
  let lastError = '';
  // freePort() races with other processes, so a taken port is retried on a new one.
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = socketPath === undefined ? await freePort(host) : 0;
    const args = buildArgs(options, host, port, socketPath);
    const target: NetConnectOpts = socketPath !== undefined ? { path: socketPath } : { host, port };
    const res = await launch(bin, args, target);
    if (typeof res !== 'string') return makeServer({ bin, args, target, run: res, host, port, socketPath, dir });
    lastError = res;
  }
  if (dir !== undefined) cleanDir(dir);
  throw new Error(`memcached failed to start after ${START_ATTEMPTS} attempts:\n${lastError}`);
}

function cleanDir(dir: string): void {
  untrackTempDir(dir);
  tempDirs.delete(dir);
}

function makeServer(s: ServerState): MemcachedServer {
  const spec = s.socketPath ?? (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);
  return {
    get pid() { return s.run.pid; },
    host: s.host,
    port: s.port,
    ...(s.socketPath !== undefined ? { socketPath: s.socketPath } : {}),
    spec,
    async stop() {
      await terminate(s.run);
      if (s.dir !== undefined) cleanDir(s.dir);
    },
    pause: () => stopAndConfirm(s.run.pid),
    resume: () => trySignal(s.run.pid, 'SIGCONT'),
    async restart() {
      await terminate(s.run);
      s.run = await relaunch(s);
    },
  };
}

/** Same args, so same port/socket; the port may be briefly unavailable, so retry for ~3 s. */
async function relaunch(s: ServerState): Promise<Running> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const res = await launch(s.bin, s.args, s.target);
    if (typeof res !== 'string') return res;
    if (Date.now() >= deadline) throw new Error(`memcached restart failed:\n${res}`);
    await sleep(100);
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all(running().map(terminate));
  for (const dir of [...tempDirs]) cleanDir(dir);
}

export function makeSelfSignedCert(dir: string): { certFile: string; keyFile: string; cert: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // -addext needs OpenSSL >= 1.1.1; the SAN lets clients verify 'localhost' and both loopbacks.
  const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '1', '-subj', '/CN=localhost', '-addext', san], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8') };
}

/** Plain-TCP request/reply, independent of the client under test (e.g. to read `stats`). */
export function rawExchange(port: number, host: string, request: string, until: string | RegExp, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = '';
    let settled = false;
    const sock = net.connect({ port, host });
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (err !== undefined) reject(err);
      else resolve(acc);
    };
    const timer = setTimeout(() => finish(new Error(`rawExchange timed out after ${timeoutMs} ms; got ${JSON.stringify(acc)}`)), timeoutMs);
    // search() ignores a /g regexp's lastIndex, so repeated checks are stateless.
    const matched = (): boolean => (typeof until === 'string' ? acc.includes(until) : acc.search(until) !== -1);
    sock.once('connect', () => sock.write(request, 'latin1'));
    sock.on('data', (chunk: Buffer) => {
      acc += chunk.toString('latin1');
      if (matched()) finish();
    });
    sock.once('error', (e) => finish(e));
    sock.once('close', () => finish(new Error(`rawExchange: connection closed; got ${JSON.stringify(acc)}`)));
  });
}

/**
 * SIGSTOP is delivered asynchronously: tests that send requests right after pausing must not race it.
 * Waits (synchronously, at most 2 s) until every thread of the process shows state T in /proc.
 */
function stopAndConfirm(pid: number): void {
  trySignal(pid, 'SIGSTOP');
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 2000; waited++) {
    if (allThreadsStopped(pid)) return;
    Atomics.wait(nap, 0, 0, 1);
  }
  throw new Error(`memcached pid ${pid} did not stop within 2 s of SIGSTOP`);
}

function allThreadsStopped(pid: number): boolean {
  try {
    const threads = readdirSync(`/proc/${pid}/task`);
    // The state is the field after the parenthesised command name.
    return threads.every((tid) => /\) ([A-Za-z])/.exec(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1'))?.[1] === 'T');
  } catch {
    return false;
  }
}
