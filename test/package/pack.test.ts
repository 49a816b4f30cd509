import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { COMPILERS, SETTINGS, compileUsage, type Setting } from './compile.js';
import { BINS, COMMON_PEERS, ENTRIES } from './entries.js';
import { ROOT, installTarball, packCopy, run, tarballFiles } from './packed.js';

// The package as a user gets it: `npm pack` (with the real prepack build, on a copy of the sources), the
// tarball installed into a fresh project, then imported, required, run against real memcached and compiled.

interface PackageJson {
  exports: Record<string, { types: string; default: string } | string>;
  bin?: Record<string, string>;
  files: string[];
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const specifier = (subpath: string): string => (subpath === '.' ? 'rxmemcache' : `rxmemcache/${subpath.slice(2)}`);
let workDir: string;
let tarball: string;
let project: string;
let memcached: MemcachedServer;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'rxmc-pack-'));
  [memcached, tarball] = await Promise.all([startMemcached(), packCopy(workDir)]);
  project = await installTarball(workDir, tarball, [...COMMON_PEERS, ...ENTRIES.flatMap((entry) => entry.peers)]);
}, 240_000);

afterAll(async () => {
  await memcached?.stop();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('package.json', () => {
  it('exports exactly the entries of the table, types first, and a bin per row of BINS', () => {
    const expected = Object.fromEntries(ENTRIES.map((e) => [e.subpath, { types: e.types, default: e.js }]));
    expect(manifest.exports).toEqual({ ...expected, './package.json': './package.json' });
    for (const entry of ENTRIES) expect(Object.keys(manifest.exports[entry.subpath] ?? {})[0]).toBe('types');
    expect(manifest.bin ?? {}).toEqual(Object.fromEntries(BINS.map((bin) => [bin.name, bin.js])));
    expect(manifest.files).toContain('LICENSE');
  });
});

describe('the tarball', () => {
  it('holds the license, the readme and every entry, and no sources or tests', async () => {
    const files = await tarballFiles(tarball);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    for (const entry of ENTRIES) expect(files).toEqual(expect.arrayContaining([entry.types.slice(2), entry.js.slice(2)]));
    for (const bin of BINS) expect(files).toContain(bin.js.replace(/^\.\//, ''));
    expect(files.filter((file) => !/^(dist\/|LICENSE$|README\.md$|package\.json$)/.test(file))).toEqual([]);
    expect(readFileSync(join(project, 'node_modules/rxmemcache/LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('ships each source map with the sources it names', async () => {
    const maps = (await tarballFiles(tarball)).filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(project, 'node_modules/rxmemcache', map), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      expect({ map, contents: sourcesContent?.length }).toEqual({ map, contents: sources.length });
      expect({ map, missing: sourcesContent?.filter((text) => typeof text !== 'string').length }).toEqual({ map, missing: 0 });
    }
  });
});

// Each entry's probe export must be a class; then a real set/get through the main entry.
function script(kind: 'esm' | 'cjs'): string {
  const load = (spec: string): string => (kind === 'esm' ? `await import('${spec}')` : `require('${spec}')`);
  const checks = ENTRIES.map((e) => `if (typeof (${load(specifier(e.subpath))}).${e.probe} !== 'function') throw new Error('${e.subpath}: no ${e.probe}');`);
  const body = [
    ...checks,
    `const { Client } = ${load('rxmemcache')};`,
    'const client = new Client(process.env.MEMCACHED_SERVERS);',
    `await client.set('pack:${kind}', 'stored from ${kind}');`,
    `console.log(await client.get('pack:${kind}'));`,
    'await client.close();',
  ].join('\n');
  return kind === 'esm' ? body : `(async () => {\n${body}\n})().catch((e) => { console.error(e); process.exitCode = 1; });\n`;
}

describe('at run time', () => {
  it.each([['esm', 'import', 'mjs'], ['cjs', 'require()', 'cjs']] as const)('%s: %s of every entry works, and a client sets and gets', async (kind, _how, ext) => {
    writeFileSync(join(project, `main.${ext}`), script(kind));
    const { stdout } = await run(process.execPath, [`main.${ext}`], project, { MEMCACHED_SERVERS: memcached.spec });
    expect(stdout.trim()).toBe(`stored from ${kind}`);
  });
});

// Concurrent: each is a compiler process of its own, and a loaded machine makes them slow one after another.
describe.concurrent('the types', () => {
  const cases = COMPILERS.flatMap((compiler) => (Object.keys(SETTINGS) as Setting[]).map((setting) => [compiler.name, setting, compiler] as const));
  it.each(cases)('compile under %s, --strict, %s', async (_name, setting, compiler) => {
    await compileUsage(project, compiler, setting, ENTRIES);
  }, 180_000);
});
