// Child processes the tests start (memcached, nutcracker), tracked so none outlives its test run,
// and the one way the suite installs the system packages it needs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A started process: its pid, when it is gone, and the tail of its stderr. */
export interface Tracked {
  readonly pid: number;
  /** Resolves once the process is gone and reaped. */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  output(): string;
}

/** Set by global-setup.ts: a directory with one empty file per live child pid. */
export const PID_DIR_ENV = 'RXMEMCACHE_PID_DIR';

// Kept on globalThis so a module re-evaluated in the same worker (isolate: false) shares it.
interface Registry { live: Set<Tracked>; tempDirs: Set<string>; hooked: boolean }
const REGISTRY_KEY = Symbol.for('rxmemcache.test.processes');
const slots = globalThis as unknown as Record<symbol, Registry | undefined>;
const registry: Registry = (slots[REGISTRY_KEY] ??= { live: new Set(), tempDirs: new Set(), hooked: false });

export const isRoot = (): boolean => process.getuid?.() === 0;

export function trySignal(pid: number, sig: NodeJS.Signals): void {
  try { process.kill(pid, sig); } catch { /* ESRCH: already gone */ }
}

function killLeftoversSync(): void {
  for (const proc of registry.live) trySignal(proc.pid, 'SIGKILL');
  for (const dir of registry.tempDirs) rmSync(dir, { recursive: true, force: true });
}

// Installed on first spawn only, so importers that never spawn (global-setup in the vitest main
// process) keep their own signal handling. 'exit' does not fire when vitest stops a fork worker with
// SIGTERM, so children are also killed on SIGTERM, which is then re-raised (our listener is gone, so
// the default action terminates). SIGKILLed workers are covered by the pid files global-setup reaps.
function installHooks(): void {
  if (registry.hooked) return;
  registry.hooked = true;
  process.once('exit', killLeftoversSync);
  process.once('SIGTERM', () => {
    killLeftoversSync();
    process.kill(process.pid, 'SIGTERM');
  });
}

/** Spawns a tracked child: registered for leftovers reaping and recorded in the pid directory. */
export function spawnTracked(bin: string, args: readonly string[]): Tracked {
  installHooks();
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid ?? -1;
  const dir = process.env[PID_DIR_ENV];
  const record = pid > 0 && dir !== undefined && existsSync(dir) ? join(dir, String(pid)) : undefined;
  if (record !== undefined) writeFileSync(record, '');
  let out = '';
  let done = false;
  // Keep only the tail: stderr is for error messages, not unbounded logging.
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString('utf8')).slice(-16384)));
  const closed = new Promise<void>((resolve) => {
    const finish = (): void => {
      done = true;
      registry.live.delete(proc);
      if (record !== undefined) rmSync(record, { force: true });
      resolve();
    };
    child.once('close', finish);
    child.once('error', (e) => ((out += `\nspawn error: ${e.message}`), finish()));
  });
  const proc: Tracked = { pid, closed, isClosed: () => done, output: () => out };
  if (pid > 0) registry.live.add(proc);
  return proc;
}

/**
 * Stops a child at once. SIGKILL, because nothing here keeps state on disk and memcached only notices
 * SIGTERM on its once-a-second clock; SIGKILL also ends a SIGSTOPped process.
 */
export async function terminate(proc: Tracked): Promise<void> {
  if (proc.isClosed()) return;
  trySignal(proc.pid, 'SIGKILL');
  await proc.closed;
}

/** Every tracked child still running. */
export function running(): Tracked[] {
  return [...registry.live];
}

/** Temporary directories removed with the leftovers. */
export function trackTempDir(dir: string): void {
  registry.tempDirs.add(dir);
}

export function untrackTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  registry.tempDirs.delete(dir);
}

/** Installs a Debian package as root (refreshing the package lists once if needed); logs what it does. */
export function aptInstall(pkg: string, why: string): void {
  console.warn(`[rxmemcache tests] ${why}; running \`apt-get install -y ${pkg}\``);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]): void => void execFileSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  try {
    apt(['install', '-y', pkg]);
  } catch {
    // A fresh machine often has empty package lists: refresh and retry once.
    try { apt(['update']); apt(['install', '-y', pkg]); } catch { /* the caller reports how to install */ }
  }
}
