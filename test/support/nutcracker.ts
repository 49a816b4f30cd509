// Test harness: twemproxy (nutcracker) in front of real memcached processes on loopback addresses.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureMemcachedBinary, freePort } from './memcached.js';
import { aptInstall, isRoot, PID_DIR_ENV, spawnTracked, terminate, type Tracked } from './processes.js';

export interface NutcrackerBackend {
  readonly host: string;
  readonly port: number;
  readonly weight?: number;
  /** twemproxy's optional server name, which replaces `host[:port]` in its ketama point names. */
  readonly name?: string;
}

export interface NutcrackerOptions {
  readonly hash: 'md5';
  readonly distribution: 'ketama';
}

export interface Nutcracker {
  readonly pid: number;
  readonly port: number;
  readonly spec: string; // '127.0.0.1:port'
  readonly configFile: string;
  stop(): Promise<void>;
}

/** A memcached listening on one random 127/8 address, on port 11211 and on `port`; one cache behind both. */
export interface LoopbackMemcached {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'nutcracker (twemproxy) not found. The twemproxy tests need it: install the Debian package with ' +
  '`apt-get install -y nutcracker` (as root; run `apt-get update` first if apt cannot find it).';
const READY_TIMEOUT_MS = 5000;
const START_ATTEMPTS = 5;
// The config file name mentions memcached on purpose: global-setup's teardown reaps leftover pids whose
// command line contains "memcached" (its guard against pid reuse), so a stranded nutcracker is reaped too.
const CONFIG_NAME = 'memcached-pool.yml';

type Proc = Tracked;

let cachedBinary: string | undefined;

export function ensureNutcracker(): string {
  cachedBinary ??= findNutcracker() ?? (isRoot() ? installWithApt() : undefined);
  if (cachedBinary === undefined) throw new Error(INSTALL_HINT);
  return cachedBinary;
}

function findNutcracker(): string | undefined {
  try {
    const out = execFileSync('sh', ['-c', 'command -v nutcracker'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (out.trim() !== '') return out.trim();
  } catch { /* not on PATH: Debian puts it in /usr/sbin, which a non-login PATH may lack */ }
  return existsSync('/usr/sbin/nutcracker') ? '/usr/sbin/nutcracker' : undefined;
}

function installWithApt(): string | undefined {
  aptInstall('nutcracker', 'nutcracker not found');
  return findNutcracker();
}

/** Plain-socket exchange: writes `request`, resolves with the UTF-8 reply once `done(reply)` holds. */
export function exchange(host: string, port: number, request: string | Buffer, done: (reply: string) => boolean, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let acc = '';
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      sock.destroy();
      if (error === undefined) resolve(acc);
      else reject(error);
    };
    const timer = setTimeout(() => finish(new Error(`exchange with ${host}:${port} timed out; got ${JSON.stringify(acc.slice(-200))}`)), timeoutMs);
    sock.setEncoding('utf8'); // decodes multi-byte keys split across chunks
    sock.once('connect', () => sock.write(request));
    sock.on('data', (chunk: string) => {
      acc += chunk;
      if (done(acc)) finish();
    });
    sock.once('error', (e) => finish(e));
    sock.once('close', () => finish(new Error(`${host}:${port} closed the connection; got ${JSON.stringify(acc.slice(-200))}`)));
  });
}

const countOf = (text: string, token: string): number => text.split(token).length - 1;

async function answersAs(proc: Proc, host: string, port: number): Promise<boolean> {
  const reply = await exchange(host, port, 'stats\r\n', (r) => r.includes('END\r\n'), 1000).catch(() => '');
  return reply.includes(`STAT pid ${proc.pid}\r\n`) && !proc.isClosed();
}

async function waitFor(proc: Proc, ready: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !proc.isClosed()) {
    if (await ready()) return true;
    await sleep(20);
  }
  return false;
}

// Outside 127.0.x.x, which other tests and people use; each run gets fresh names, which ketama hashes.
const randomLoopback = (): string =>
  `127.${16 + Math.floor(Math.random() * 239)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

export async function startLoopbackMemcached(memoryMb = 8): Promise<LoopbackMemcached> {
  const bin = ensureMemcachedBinary();
  let lastError = '';
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const host = randomLoopback();
    const port = await freePort(host);
    const args = ['-U', '0', '-m', String(memoryMb), '-t', '1', '-c', '256', '-o', 'hashpower=12', '-l', `${host}:11211,${host}:${port}`];
    if (process.getuid?.() === 0) args.push('-u', 'root');
    const proc = spawnTracked(bin, args);
    const ready = async (): Promise<boolean> => (await answersAs(proc, host, 11211)) && (await answersAs(proc, host, port));
    if (await waitFor(proc, ready)) return { pid: proc.pid, host, port, stop: () => terminate(proc) };
    await terminate(proc);
    lastError = `memcached ${args.join(' ')}\n${proc.output() || '(no output)'}`;
  }
  throw new Error(`memcached failed to start after ${START_ATTEMPTS} attempts:\n${lastError}`);
}

function config(port: number, backends: readonly NutcrackerBackend[], options: NutcrackerOptions): string {
  const servers = backends.map((b) => `    - ${b.host}:${b.port}:${b.weight ?? 1}${b.name === undefined ? '' : ` ${b.name}`}`);
  return [
    'pool:',
    `  listen: 127.0.0.1:${port}`,
    `  hash: ${options.hash}`,
    `  distribution: ${options.distribution}`,
    '  auto_eject_hosts: false',
    '  timeout: 5000',
    '  servers:',
    ...servers,
    '',
  ].join('\n');
}

function checkConfig(bin: string, file: string): void {
  const res = spawnSync(bin, ['-t', '-c', file], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`nutcracker rejected ${file}:\n${res.stderr}${res.stdout}`);
}

const canConnect = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => (sock.destroy(), resolve(ok));
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });

export async function startNutcracker(backends: readonly NutcrackerBackend[], options: NutcrackerOptions): Promise<Nutcracker> {
  const bin = ensureNutcracker();
  const base = process.env[PID_DIR_ENV] ?? tmpdir();
  const dir = mkdtempSync(join(existsSync(base) ? base : tmpdir(), 'rxmc-nutcracker-'));
  const configFile = join(dir, CONFIG_NAME);
  let lastError = '';
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const [port, statsPort] = [await freePort(), await freePort()];
    writeFileSync(configFile, config(port, backends, options));
    checkConfig(bin, configFile);
    // The stats port defaults to 22222 on all interfaces: two instances would clash.
    const proc = spawnTracked(bin, ['-c', configFile, '-s', String(statsPort), '-a', '127.0.0.1']);
    // A clash on either port makes nutcracker exit, so "still alive a moment after connecting" means ours.
    const ready = async (): Promise<boolean> => (await canConnect(port)) && (await sleep(50), !proc.isClosed());
    if (await waitFor(proc, ready)) {
      const stop = async (): Promise<void> => (await terminate(proc), rmSync(dir, { recursive: true, force: true }));
      return { pid: proc.pid, port, spec: `127.0.0.1:${port}`, configFile, stop };
    }
    await terminate(proc);
    lastError = proc.output() || '(no output)';
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`nutcracker failed to start after ${START_ATTEMPTS} attempts:\n${lastError}`);
}

/** Stores `x` under every key through `port` (a proxy), pipelined; resolves with each key's reply line. */
export async function storeThrough(port: number, keys: readonly string[]): Promise<string[]> {
  const request = keys.map((k) => `set ${k} 0 0 1\r\nx\r\n`).join('');
  const reply = await exchange('127.0.0.1', port, Buffer.from(request, 'utf8'), (r) => countOf(r, '\r\n') >= keys.length, 20_000);
  return reply.split('\r\n').slice(0, keys.length);
}

/** For each key, the indices of the `servers` that hold it (asked directly, 100 keys per `get`). */
export async function locateKeys(servers: ReadonlyArray<{ host: string; port: number }>, keys: readonly string[]): Promise<number[][]> {
  const holders = keys.map((): number[] => []);
  const position = new Map(keys.map((k, i) => [k, i]));
  const batches: string[] = [];
  for (let i = 0; i < keys.length; i += 100) batches.push(`get ${keys.slice(i, i + 100).join(' ')}\r\n`);
  const replies = await Promise.all(servers.map((s) =>
    exchange(s.host, s.port, Buffer.from(batches.join(''), 'utf8'), (r) => countOf(r, 'END\r\n') >= batches.length, 20_000)));
  replies.forEach((reply, server) => {
    for (const m of reply.matchAll(/^VALUE (\S+) /gm)) holders[position.get(m[1] ?? '') ?? -1]?.push(server);
  });
  return holders;
}
