import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDir, removeBuildDir, transpileTree } from '../support/transpiled.js';
import { asModule, readmeBlocks, type Block } from './blocks.js';
import { checkFiles, type Diagnostics } from './compile.js';
import { runBlock } from './run-block.js';

// Every ```ts block of the README compiles, and those marked <!-- runs --> run against real memcached.

const root = fileURLToPath(new URL('../../', import.meta.url));
const blocks = readmeBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
const title = (block: Block): string => `line ${block.line} (${block.heading})`;

// Blocks another branch is fixing, by their first line: each must still fail, so that the fix removes it here.
const KNOWN_BROKEN: ReadonlyMap<string, string> = new Map<string, string>([]);
const knownBroken = (block: Block): string | undefined => KNOWN_BROKEN.get(block.code.split('\n')[0] ?? '');

let dir: string;
let diagnostics: Diagnostics;
const fileOf = (block: Block): string => join(dir, 'check', `line-${block.line}.ts`);

beforeAll(() => {
  dir = buildDir('readme');
  mkdirSync(join(dir, 'check'), { recursive: true });
  const context = join(root, 'test/readme/context.js');
  for (const block of blocks) writeFileSync(fileOf(block), asModule(block, context));
  diagnostics = checkFiles(root, new Map(blocks.map((block) => [fileOf(block), block.line])));
}, 120_000);

afterAll(() => {
  if (dir !== undefined) removeBuildDir(dir);
});

it('finds the blocks, some of them runnable', () => {
  expect(blocks.length).toBeGreaterThan(10);
  expect(blocks.filter((block) => block.runs).length).toBeGreaterThan(5);
});

describe('every README ts block compiles', () => {
  it.each(blocks.map((block) => [title(block), block] as const))('%s', (_title, block) => {
    const errors = diagnostics.get(fileOf(block)) ?? [];
    const why = knownBroken(block);
    if (why === undefined) expect(errors).toEqual([]);
    else expect(errors.length, `compiles now (${why}): remove it from KNOWN_BROKEN`).toBeGreaterThan(0);
  });
});

describe('the runnable README blocks run against real memcached', () => {
  let srcDir: string;
  beforeAll(() => {
    srcDir = join(transpileTree(['src'], join(dir, 'run')), 'src');
  });
  it.each(blocks.filter((block) => block.runs).map((block) => [title(block), block] as const))('%s', async (_title, block) => {
    await runBlock(block.code, join(dir, 'run', `line-${block.line}.js`), srcDir);
  }, 90_000);
});
