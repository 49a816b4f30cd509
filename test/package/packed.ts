// Packs the library as `npm publish` would and installs the tarball into a fresh project, with no network.
// The pack runs on a copy of the sources, so its prepack build never touches the repo's own dist/.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The repo's node_modules, resolved (it may be a symlink to another checkout's). */
export const MODULES = realpathSync(join(ROOT, 'node_modules'));

// What the published package is built from: prepack runs `npm run build` on exactly these.
const SOURCES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE', 'src'];

/** The output of a finished child process. */
export interface Output {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command; rejects with everything it printed if it exits non-zero. `npm_*` variables are dropped:
 * under `npm test` they name the repo as the project (npm_config_local_prefix), and the nested npm would obey.
 */
export function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Output> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...clean, ...env }, timeout: 150_000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error === null) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${error.message}\n${stdout}\n${stderr}`));
    });
  });
}

/** Packs a copy of the sources with the real prepack build; returns the tarball's path. */
export async function packCopy(workDir: string): Promise<string> {
  const copy = join(workDir, 'source');
  for (const path of SOURCES) cpSync(join(ROOT, path), join(copy, path), { recursive: true });
  symlinkSync(MODULES, join(copy, 'node_modules'), 'dir');
  await run('npm', ['pack', '--pack-destination', workDir, '--no-fund', '--no-audit'], copy);
  const { name, version } = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { name: string; version: string };
  return join(workDir, `${name}-${version}.tgz`);
}

/**
 * A fresh ESM project with the tarball installed by npm (offline: it has no dependencies, and its peers are
 * skipped) and the peers it needs linked from the repo's node_modules, as a user's own install would provide.
 */
export async function installTarball(workDir: string, tarball: string, peers: readonly string[]): Promise<string> {
  const project = join(workDir, 'project');
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pack-test', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps', '--ignore-scripts', tarball], project);
  for (const peer of new Set(peers)) {
    const link = join(project, 'node_modules', peer);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(MODULES, peer), link, 'dir');
  }
  return project;
}

/** The paths inside a tarball, without npm's `package/` prefix. */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], dirname(tarball));
  return stdout.split('\n').filter((line) => line !== '').map((line) => line.replace(/^package\//, ''));
}
