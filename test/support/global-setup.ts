// vitest globalSetup (runs in the main vitest process, before any worker starts).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureMemcachedBinary, PID_DIR_ENV } from './memcached.js';
import { ensureNutcracker } from './nutcracker.js';
import { ensurePymemcache } from './python.js';

export default function setup(): () => void {
  // Fail fast, once, with the install hint, instead of every integration test failing. Installing
  // here, one package after another, also keeps parallel workers from fighting over the dpkg lock.
  ensureMemcachedBinary();
  ensurePymemcache();
  ensureNutcracker();
  // Workers inherit process.env (vitest builds their env after globalSetup ran), and
  // record each memcached pid here: a worker that vitest SIGKILLs (hung test) cannot
  // clean up after itself, so the teardown does.
  const dir = mkdtempSync(join(tmpdir(), 'rxmc-pids-'));
  process.env[PID_DIR_ENV] = dir;
  return () => {
    // Numeric names are pid records; the rest are UNIX socket dirs, removed below.
    for (const name of readdirSync(dir)) if (/^\d+$/.test(name)) reapIfMemcached(Number(name));
    rmSync(dir, { recursive: true, force: true });
  };
}

function reapIfMemcached(pid: number): void {
  try {
    // The pid may have been reused since; only kill what is still a memcached.
    if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('memcached')) return;
    process.kill(pid, 'SIGKILL');
    console.warn(`[rxmemcache tests] killed leftover memcached pid ${pid}`);
  } catch {
    // Already gone (ENOENT / ESRCH).
  }
}
