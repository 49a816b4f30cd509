// Test harness: starts and stops REAL memcached processes for integration tests.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { NetConnectOpts } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MemcachedOptions {
  host?: '127.0.0.1' | '::1';
  unixSocket?: boolean;
  extraArgs?: string[];
  tls?: { certFile: string; keyFile: string };
  enableShutdown?: boolean;
  /** memcached -I value, e.g. '1m'. */
  maxItemSize?: string;
  memoryMb?: number;
}

export interface MemcachedServer {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly socketPath?: string;
  /** 'host:port', '[::1]:port' or the socket path. */
  readonly spec: string;
  stop(): Promise<void>;
  /** SIGSTOP: the kernel still accepts connections, but nothing is answered. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Stops and starts again on the same port / socket path (new pid). */
  restart(): Promise<void>;
}

interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process is gone and its stderr is drained. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  stderr(): string;
}

const INSTALL_HINT =
  'memcached binary not found. Integration tests need a real memcached 1.6.x: ' +
  'install the Debian package with `apt-get install -y memcached` (as root; run `apt-get update` first if apt cannot find it).';
const READY_TIMEOUT_MS = 5000;
const START_ATTEMPTS = 5;
const isRoot = (): boolean => process.getuid?.() === 0;

// Every process we started, so stopAll() (and the exit hook) can reap leftovers.
const live = new Set<Running>();
const tempDirs = new Set<string>();

// A test file that crashes or times out must not leave daemons behind: 'exit'
// handlers must be synchronous, so SIGKILL is the only option here.
process.once('exit', () => {
  for (const run of live) trySignal(run.pid, 'SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

let cachedBinary: string | undefined;

export function ensureMemcachedBinary(): string {
  if (cachedBinary !== undefined) return cachedBinary;
  let bin = findBinary();
  if (bin === undefined && isRoot()) {
    installWithApt();
    bin = findBinary();
  }
  if (bin === undefined) throw new Error(INSTALL_HINT);
  cachedBinary = bin;
  return bin;
}

function findBinary(): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', 'command -v memcached'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (out !== '') return out;
  } catch {
    // `command -v` exits non-zero when absent; fall through to the fixed path.
  }
  return existsSync('/usr/bin/memcached') ? '/usr/bin/memcached' : undefined;
}

function installWithApt(): void {
  console.warn('[rxmemcache tests] memcached not found; running `apt-get install -y memcached`');
  const apt = (args: string[]): void => {
    execFileSync('apt-get', args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  try {
    apt(['install', '-y', 'memcached']);
  } catch {
    // A fresh machine often has empty package lists: refresh and retry once.
    try {
      apt(['update']);
      apt(['install', '-y', 'memcached']);
    } catch {
      // The caller re-checks and throws INSTALL_HINT.
    }
  }
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
  // -s disables TCP entirely, so -l/-p are only passed in TCP mode.
  if (socketPath !== undefined) args.push('-s', socketPath, '-a', '0700');
  else args.push('-l', host, '-p', String(port));
  // memcached refuses to start as root unless told which user to run as.
  if (isRoot()) args.push('-u', 'root');
  if (o.enableShutdown === true) args.push('-A');
  if (o.maxItemSize !== undefined) args.push('-I', o.maxItemSize);
  if (o.tls !== undefined) args.push('-Z', '-o', `ssl_chain_cert=${o.tls.certFile},ssl_key=${o.tls.keyFile}`);
  return [...args, ...(o.extraArgs ?? [])];
}

function spawnMemcached(bin: string, args: string[]): Running {
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let done = false;
  // Keep only the tail: stderr is for error messages, not unbounded logging.
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-16384)));
  const closed = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      live.delete(run);
      resolve();
    };
    child.once('close', finish);
    child.once('error', (e) => ((err += `\nspawn error: ${e.message}`), finish()));
  });
  const run: Running = { child, pid: child.pid ?? -1, closed, isClosed: () => done, stderr: () => err };
  if (child.pid !== undefined) live.add(run);
  return run;
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

/** Polls every 20 ms until the server accepts a connection, exits, or time runs out. */
async function waitReady(run: Running, target: NetConnectOpts): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !run.isClosed()) {
    if (await canConnect(target)) return !run.isClosed();
    await sleep(20);
  }
  return false;
}

function trySignal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // ESRCH: already gone.
  }
}

async function waitClosed(run: Running, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(r, ms, false)));
  try {
    return await Promise.race([run.closed.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function terminate(run: Running): Promise<void> {
  if (run.isClosed()) return;
  // A SIGSTOPped process leaves SIGTERM pending forever: wake it first.
  trySignal(run.pid, 'SIGCONT');
  trySignal(run.pid, 'SIGTERM');
  if (await waitClosed(run, 3000)) return;
  trySignal(run.pid, 'SIGKILL');
  await run.closed;
}

/** One spawn + readiness wait; on failure the process is gone and stderr returned. */
async function launch(bin: string, args: string[], target: NetConnectOpts): Promise<Running | string> {
  const run = spawnMemcached(bin, args);
  if (await waitReady(run, target)) return run;
  await terminate(run);
  return `memcached ${args.join(' ')}\n${run.stderr() || '(no stderr)'}`;
}

export async function startMemcached(options: MemcachedOptions = {}): Promise<MemcachedServer> {
  const bin = ensureMemcachedBinary();
  const host = options.host ?? '127.0.0.1';
  const dir = options.unixSocket === true ? mkdtempSync(join(tmpdir(), 'rxmc-')) : undefined;
  if (dir !== undefined) tempDirs.add(dir);
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
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

interface ServerState {
  bin: string;
  args: string[];
  target: NetConnectOpts;
  run: Running;
  host: string;
  port: number;
  socketPath: string | undefined;
  dir: string | undefined;
}

function makeServer(s: ServerState): MemcachedServer {
  const spec = s.socketPath ?? (s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`);
  return {
    get pid() {
      return s.run.pid;
    },
    host: s.host,
    port: s.port,
    ...(s.socketPath !== undefined ? { socketPath: s.socketPath } : {}),
    spec,
    async stop() {
      await terminate(s.run);
      if (s.dir !== undefined) cleanDir(s.dir);
    },
    pause: () => trySignal(s.run.pid, 'SIGSTOP'),
    resume: () => trySignal(s.run.pid, 'SIGCONT'),
    async restart() {
      await terminate(s.run);
      s.run = await relaunch(s);
    },
  };
}

/** Same args (so same port/socket); the port may be briefly unavailable, so retry up to ~3 s. */
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
  await Promise.all([...live].map(terminate));
  for (const dir of [...tempDirs]) cleanDir(dir);
}

export function makeSelfSignedCert(dir: string): { certFile: string; keyFile: string; cert: string } {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  // -addext needs OpenSSL >= 1.1.1; the SAN lets clients verify 'localhost' and both loopbacks.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
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
