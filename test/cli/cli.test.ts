import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HashClient } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { buildCli, type BuiltCli } from './cli-process.js';

// The real `rxmemcache` process against two real memcached servers: output, exit codes, and that the
// process exits on its own (a CLI that hung would be killed after 20 s and show code null).

let cli: BuiltCli;
let servers: MemcachedServer[];
let specs: string[];
let check: HashClient;
let dir: string;

beforeAll(async () => {
  cli = buildCli('cli');
  servers = await Promise.all([startMemcached(), startMemcached()]);
  specs = servers.map((s) => s.spec);
  check = new HashClient(specs);
  dir = mkdtempSync(join(tmpdir(), 'rxmc-cli-'));
});

afterAll(async () => {
  await check?.close();
  await Promise.all((servers ?? []).map((s) => s.stop()));
  cli?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await check.flushAll(0, { noreply: false });
});

describe('one key at a time', () => {
  it('set then get: the value on stdout as it was stored (no newline when not a terminal), exit 0', async () => {
    expect(await cli.run(['set', 'greeting', 'hello, world', ...specs])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await check.get('greeting')).toBe('hello, world');
    expect(await cli.run(['get', 'greeting', ...specs])).toEqual({ code: 0, stdout: 'hello, world', stderr: '' });
  });

  it('a miss exits 1 and says so on stderr', async () => {
    expect(await cli.run(['get', 'nobody', ...specs])).toEqual({ code: 1, stdout: '', stderr: 'nobody: not found\n' });
    expect(await cli.run(['delete', 'nobody', ...specs])).toMatchObject({ code: 1, stderr: 'nobody: not found\n' });
    expect(await cli.run(['incr', 'nobody', ...specs])).toMatchObject({ code: 1, stderr: 'nobody: not found\n' });
  });

  it('delete removes the key', async () => {
    await check.set('doomed', 'x', { noreply: false });
    expect((await cli.run(['delete', 'doomed', ...specs])).code).toBe(0);
    expect(await check.get('doomed')).toBeUndefined();
  });

  it('incr by 1 or by a delta prints the new value', async () => {
    await check.set('hits', '41', { noreply: false });
    expect(await cli.run(['incr', 'hits', ...specs])).toEqual({ code: 0, stdout: '42\n', stderr: '' });
    expect(await cli.run(['incr', 'hits', '100', ...specs])).toEqual({ code: 0, stdout: '142\n', stderr: '' });
  });

  it('set --ttl gives the item an expiry; without it the item never expires', async () => {
    expect((await cli.run(['set', 'brief', 'x', '--ttl', '300', ...specs])).code).toBe(0);
    expect((await cli.run(['set', 'forever', 'y', ...specs])).code).toBe(0);
    const { stdout } = await cli.run(['keys', '--raw', ...specs]);
    expect(stdout).toMatch(/^key=brief exp=[0-9]+ /m);
    expect(stdout).toMatch(/^key=forever exp=-1 /m);
  });

  it('servers come from MEMCACHED_SERVERS when the arguments name none', async () => {
    expect((await cli.run(['set', 'from-env', 'v'], { MEMCACHED_SERVERS: specs.join(',') })).code).toBe(0);
    expect(await check.get('from-env')).toBe('v');
  });

  it('a bad key is a usage error (exit 2), found before anything is sent', async () => {
    const result = await cli.run(['set', 'two words', 'v', ...specs]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MemcacheIllegalInputError');
  });
});

describe('the whole cluster', () => {
  it('version: a line per server', async () => {
    const { code, stdout } = await cli.run(['version', ...specs]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').sort()).toEqual(specs.map((s) => `${s} 1.6.18`).sort());
  });

  it('stats: a readable table per server; --raw: every stat as server name value', async () => {
    const { code, stdout } = await cli.run(['stats', ...specs]);
    expect(code).toBe(0);
    for (const spec of specs) expect(stdout).toMatch(new RegExp(`^${spec}  memcached 1\\.6\\.18, up [0-9]`, 'm'));
    expect(stdout).toMatch(/^ {2}memory {6}[0-9.]+[BKM] of 64\.0M \([0-9.]+%\)$/m);
    expect(stdout).toContain('  gets        ');
    const raw = await cli.run(['stats', '--raw', ...specs]);
    for (const server of servers) expect(raw.stdout).toContain(`${server.spec} pid ${server.pid}\n`);
  });

  it('load: a JSON-lines file through setMany, strings as they are and other values as JSON, spread over the servers', async () => {
    const file = join(dir, 'items.jsonl');
    const lines = Array.from({ length: 1200 }, (_, i) =>
      JSON.stringify(i % 3 === 0 ? { key: `item:${i}`, value: { n: i }, ttl: 600 } : { key: `item:${i}`, value: `value ${i}` }),
    );
    writeFileSync(file, `${lines.join('\n')}\n\n`);
    expect(await cli.run(['load', file, '--batch', '100', ...specs])).toEqual({ code: 0, stdout: `loaded 1200 of 1200 items from ${file}\n`, stderr: '' });
    const all = await check.getMany(Array.from({ length: 1200 }, (_, i) => `item:${i}`));
    expect(all.size).toBe(1200);
    expect(all.get('item:3')).toBe('{"n":3}');
    expect(all.get('item:4')).toBe('value 4');
    // keys: every key once, from both servers (each holds part of them).
    const { code, stdout } = await cli.run(['keys', ...specs]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').sort()).toEqual([...all.keys()].sort());
    for (const spec of specs) expect((await cli.run(['keys', spec])).stdout.split('\n').length).toBeGreaterThan(100);
  });

  it('load: a bad line anywhere is a usage error naming it, and nothing is stored', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, '{"key":"first","value":"1"}\n{"key":"second"}\n');
    const { code, stderr } = await cli.run(['load', file, ...specs]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${file}:2: "value" is missing`);
    expect(await check.get('first')).toBeUndefined();
  });

  it('keys decodes the keys memcached URI-encodes, unless they are not UTF-8', async () => {
    const unicode = new HashClient(specs, { allowUnicodeKeys: true });
    await unicode.set('café:1', 'x', { noreply: false });
    await unicode.set(Buffer.from([0x6b, 0xe9]), 'y', { noreply: false });
    await unicode.close();
    expect((await cli.run(['keys', ...specs])).stdout.split('\n').sort()).toEqual(['', 'café:1', 'k%E9']);
  });

  it('keys into a pipe that closes early (| head) ends quietly', async () => {
    await check.setMany(Array.from({ length: 20_000 }, (_, i) => [`many:${i}`, 'x'] as const), { noreply: false });
    const script = `"${process.execPath}" "${cli.main}" keys ${specs.join(' ')} | head -n 1; echo "status \${PIPESTATUS[0]}"`;
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
      execFile('bash', ['-c', script], { timeout: 20_000, encoding: 'utf8' }, (error, out, err) => (error === null ? resolve({ stdout: out, stderr: err }) : reject(error))),
    );
    expect(stdout).toMatch(/^many:[0-9]+\nstatus 0\n$/);
    expect(stderr).toBe('');
  });

  it('flush empties every server', async () => {
    await check.setMany(Array.from({ length: 50 }, (_, i) => [`f:${i}`, 'x'] as const), { noreply: false });
    const { code, stdout } = await cli.run(['flush', ...specs]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').sort()).toEqual(specs.map((s) => `${s}: OK`).sort());
    expect((await check.getMany(['f:1', 'f:2', 'f:3'])).size).toBe(0);
  });

  it('a stopped server: the others still answer, the failure is named, exit 1', async () => {
    const gone = await startMemcached();
    const spec = gone.spec;
    await gone.stop();
    const result = await cli.run(['version', ...specs, spec]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim().split('\n')).toHaveLength(2);
    expect(result.stderr).toMatch(new RegExp(`^${spec}: MemcacheConnectionError: .*ECONNREFUSED`, 'm'));
    const keys = await cli.run(['keys', spec]);
    expect(keys.code).toBe(1);
    expect(keys.stderr).toContain('ECONNREFUSED');
  });
});

describe('top without a terminal', () => {
  it('prints one plain screen after another and stops after --count screens', async () => {
    const { code, stdout } = await cli.run(['top', '--count', '2', '--interval', '100', ...specs]);
    expect(code).toBe(0);
    expect(stdout).not.toContain('\u001b');
    const screens = stdout.split('rxmemcache top  ').slice(1);
    expect(screens).toHaveLength(2);
    for (const screen of screens) {
      expect(screen).toMatch(/^2 servers: 2 up  every 100 ms/);
      for (const spec of specs) expect(screen).toMatch(new RegExp(`^${spec} +up `, 'm'));
    }
  });
});

describe('usage', () => {
  it('--help prints every command and exits 0', async () => {
    const { code, stdout } = await cli.run(['--help']);
    expect(code).toBe(0);
    for (const command of ['stats', 'get <key>', 'set <key> <value>', 'delete', 'incr', 'flush', 'keys', 'load <file.jsonl>', 'version', 'top']) {
      expect(stdout).toContain(`rxmemcache ${command}`);
    }
  });

  it('an unknown command or option exits 2 and points at --help', async () => {
    expect(await cli.run(['frobnicate'])).toMatchObject({ code: 2, stderr: "rxmemcache: unknown command 'frobnicate'\nTry 'rxmemcache --help'.\n" });
    expect((await cli.run(['get', 'k', '--bogus'])).code).toBe(2);
  });
});
