// Runs the real `rxmemcache` CLI in a child node process. Node 20 cannot run .ts, so the sources are
// transpiled once per test file into .build/ (what a clean clone can do with its dev dependencies);
// the published package runs the tsc build of the same file, dist/cli/main.js.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { buildDir, removeBuildDir, transpileTree } from '../support/transpiled.js';

/** What a finished CLI process left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The transpiled CLI: `main` is the entry file, `remove()` deletes the build. */
export interface BuiltCli {
  readonly main: string;
  run(args: readonly string[], env?: Record<string, string | undefined>): Promise<CliResult>;
  remove(): void;
}

/** Transpiles src/ into a fresh build directory and returns a runner for its CLI. */
export function buildCli(name: string): BuiltCli {
  const dir = transpileTree(['src'], buildDir(name));
  const main = join(dir, 'src', 'cli', 'main.js');
  return {
    main,
    run: (args, env = {}) => runNode(main, args, env),
    remove: () => removeBuildDir(dir),
  };
}

/**
 * Runs the CLI with a clean MEMCACHED_SERVERS and NO_COLOR unless given. The 20 s kill is a backstop
 * for a CLI that fails to exit on its own, which then shows as a null code (a test failure).
 */
function runNode(main: string, args: readonly string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const childEnv: Record<string, string | undefined> = { ...process.env, MEMCACHED_SERVERS: undefined, NO_COLOR: undefined, ...env };
  for (const key of Object.keys(childEnv)) if (childEnv[key] === undefined) delete childEnv[key];
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { env: childEnv, timeout: 20_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}
