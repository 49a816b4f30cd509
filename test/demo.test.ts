import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// The README's main command must keep working: build the scripts and run the demo end to end, with
// its own memcached processes (MEMCACHED_SERVERS unset).
const root = fileURLToPath(new URL('..', import.meta.url));

it('npm run demo walks through every section and exits 0', async () => {
  const env = { ...process.env };
  delete env['MEMCACHED_SERVERS'];
  const output = await new Promise<string>((resolve, reject) => {
    execFile('npm', ['run', '--silent', 'demo'], { cwd: root, env, timeout: 120_000 }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`demo failed: ${error.message}\n${stdout}\n${stderr}`)),
    );
  });
  for (const section of ['== set / get', '== pipelined bulk load', '== getMany', '== cas and incr', '== health$', '== HashClient', 'done.']) {
    expect(output).toContain(section);
  }
  expect(output).toContain('5000 of 5000 keys found');
  expect(output).toMatch(/health: up at .*\n[\s\S]*health: down at .*MemcacheUnexpectedCloseError[\s\S]*health: up at/);
  expect(output).toContain('keys routed to it again');
}, 150_000);
