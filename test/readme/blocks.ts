// The README's TypeScript blocks, as modules the compiler and node can take. A block is a ```ts fence; an
// HTML comment on the line just above it marks it: `<!-- runs -->` (run against real memcached) or
// `<!-- fragment -->` (it names the placeholders of context.ts, such as `client`, without declaring them).

/** One ```ts block of the README. */
export interface Block {
  /** The README line of the block's first code line (1-based). */
  readonly line: number;
  /** The nearest heading above it. */
  readonly heading: string;
  readonly code: string;
  readonly runs: boolean;
  readonly fragment: boolean;
}

/** The placeholders a fragment may use; context.ts declares each. */
export const PLACEHOLDERS = ['client', 'cluster', 'log', 'alert', 'dashboard', 'rows'] as const;

/** Every ```ts block, in order. */
export function readmeBlocks(readme: string): Block[] {
  const lines = readme.split('\n');
  const blocks: Block[] = [];
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^#{1,6} /.test(line)) heading = line.replace(/^#+ /, '');
    if (!/^```ts\b/.test(line)) continue;
    const end = lines.findIndex((text, j) => j > i && text.startsWith('```'));
    if (end === -1) throw new Error(`README.md:${i + 1}: a ts block is never closed`);
    const mark = lines[i - 1] ?? '';
    const code = lines.slice(i + 1, end).join('\n') + '\n';
    blocks.push({ line: i + 2, heading, code, runs: /<!--\s*runs\s*-->/.test(mark), fragment: /<!--\s*fragment\s*-->/.test(mark) });
    i = end;
  }
  return blocks;
}

/**
 * The block as a module: a fragment first imports the placeholders it uses and does not declare (on the
 * same line as its own first line would be, so line numbers stay the README's), and a block with no
 * import or export becomes a module, where top-level await is allowed.
 */
export function asModule(block: Block, contextSpecifier: string): string {
  let code = block.code;
  if (block.fragment) {
    const declared = (name: string): boolean => new RegExp(`\\b(const|let|var|function|class)\\s+${name}\\b`).test(code);
    const used = PLACEHOLDERS.filter((name) => new RegExp(`\\b${name}\\b`).test(code) && !declared(name));
    if (used.length > 0) code = `import { ${used.join(', ')} } from '${contextSpecifier}'; ${code}`;
  }
  return /^\s*(import|export)\b/m.test(code) ? code : `${code}export {};\n`;
}
