// Test harness: the system Python with the Debian pymemcache, for the interop tests.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { aptInstall } from './processes.js';

/**
 * Always the Debian interpreter, never a pyenv/virtualenv `python3` from PATH: the Debian package
 * `python3-pymemcache` (3.5.2) is installed for it alone.
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';
/** `-I` (isolated): ignore PYTHONPATH/PYTHONHOME and the user's site-packages, so we get the Debian pymemcache. */
const PYTHON_FLAGS = ['-I'];
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PEER_SCRIPT = fileURLToPath(new URL('../interop/pymemcache_peer.py', import.meta.url));
const PEER_TIMEOUT_MS = 20_000;
const INSTALL_HINT =
  `pymemcache is not importable by ${SYSTEM_PYTHON}. The interop tests need the Debian package: ` +
  'run `apt-get install -y python3-pymemcache` (as root; `apt-get update` first if apt cannot find it).';
const isRoot = (): boolean => process.getuid?.() === 0;

function pymemcacheVersion(): string | undefined {
  try {
    const out = execFileSync(SYSTEM_PYTHON, [...PYTHON_FLAGS, '-c', 'import pymemcache; print(pymemcache.__version__)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.trim();
  } catch {
    return undefined; // no /usr/bin/python3, or no pymemcache for it
  }
}

function installWithApt(): void {
  aptInstall('python3-pymemcache', 'pymemcache not importable by /usr/bin/python3');
}

let ready = false;

/**
 * Returns '/usr/bin/python3' once `import pymemcache` works there, installing `python3-pymemcache`
 * with apt when running as root; otherwise throws with the install command.
 */
export function ensurePymemcache(): string {
  if (ready) return SYSTEM_PYTHON;
  if (pymemcacheVersion() === undefined && isRoot()) installWithApt();
  if (pymemcacheVersion() === undefined) throw new Error(INSTALL_HINT);
  ready = true;
  return SYSTEM_PYTHON;
}

/**
 * Runs `/usr/bin/python3 test/interop/pymemcache_peer.py ...args` from the repo root, feeding `input`
 * on stdin; resolves with stdout, rejects with stderr on a non-zero exit or after 20 s.
 */
export function runPeer(args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      SYSTEM_PYTHON,
      [...PYTHON_FLAGS, PEER_SCRIPT, ...args],
      { cwd: REPO_ROOT, timeout: PEER_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, env: { ...process.env, PYTHONIOENCODING: 'utf-8' } },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
          return;
        }
        const why = error.killed ? `timed out after ${PEER_TIMEOUT_MS} ms` : `exit code ${String(error.code)}`;
        reject(new Error(`pymemcache_peer.py ${args.join(' ')} failed (${why}):\n${stderr || error.message}`));
      },
    );
    child.stdin?.end(input ?? '');
  });
}
