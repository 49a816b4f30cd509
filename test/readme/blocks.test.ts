import { describe, expect, it } from 'vitest';
import { asModule, readmeBlocks } from './blocks.js';
import { addressesIn } from './run-block.js';

const readme = [
  '# Title',
  '## Section',
  '<!-- runs -->',
  '```ts',
  "const client = new Client(['localhost', 11211]);",
  '```',
  '```sh',
  'npm test',
  '```',
  '<!-- fragment -->',
  '```ts',
  'client.get(key).subscribe((v) => log.warn(v));',
  'const cluster = 1;',
  '```',
].join('\n');

describe('readmeBlocks', () => {
  it('finds ts blocks only, with their README line, heading and mark', () => {
    expect(readmeBlocks(readme).map(({ line, heading, runs, fragment }) => ({ line, heading, runs, fragment }))).toEqual([
      { line: 5, heading: 'Section', runs: true, fragment: false },
      { line: 12, heading: 'Section', runs: false, fragment: true },
    ]);
  });

  it('refuses a block that is never closed', () => {
    expect(() => readmeBlocks('```ts\nconst a = 1;\n')).toThrow(/README.md:1: a ts block is never closed/);
  });
});

describe('asModule', () => {
  const [plain, fragment] = readmeBlocks(readme);
  it('makes a block without imports a module, lines unchanged', () => {
    expect(asModule(plain!, './context.js')).toBe("const client = new Client(['localhost', 11211]);\nexport {};\n");
  });

  it('gives a fragment the placeholders it uses and does not declare, on its first line', () => {
    const code = asModule(fragment!, './context.js');
    expect(code.split('\n')[0]).toBe("import { client, log } from './context.js'; client.get(key).subscribe((v) => log.warn(v));");
  });
});

it('addressesIn: each distinct address once, in both spellings', () => {
  expect(addressesIn("new HashClient(['a:1', 'b:2', { server: 'a:1' }]); new Client(['localhost', 11211]);")).toEqual(['a:1', 'b:2', 'localhost:11211']);
});
