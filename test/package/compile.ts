// Compiles the entries' usage modules inside the test project, as a user of the package would: the
// project's own tsconfig, `--strict`, and the package resolved through its `exports`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Entry } from './entries.js';
import { MODULES, run } from './packed.js';

/** A compiler the published types must satisfy. */
export interface Compiler {
  readonly name: string;
  readonly tsc: string;
  /**
   * TypeScript 7 loads no @types unless told (`types: []` by default), so one entry's peers (express-session's
   * types load Node's) could hide another entry's missing reference: each entry gets a program of its own.
   * TypeScript 5 loads every @types package anyway, so one program for all entries checks the same.
   */
  readonly programPerEntry: boolean;
}

export const COMPILERS: readonly Compiler[] = [
  { name: 'TypeScript 5.9', tsc: join(MODULES, 'typescript', 'bin', 'tsc'), programPerEntry: false },
  { name: 'TypeScript 7', tsc: join(MODULES, 'typescript7', 'bin', 'tsc'), programPerEntry: true },
];

/** How a user's project resolves modules: Node's own rules (ESM and a CommonJS file), or a bundler's. */
export const SETTINGS = {
  nodenext: { module: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
} as const;
export type Setting = keyof typeof SETTINGS;

/** Writes the usage modules and a tsconfig for one program; returns the tsconfig's path. */
function writeProgram(project: string, name: string, setting: Setting, entries: readonly Entry[]): string {
  const dir = join(project, 'ts', name);
  mkdirSync(dir, { recursive: true });
  const files = entries.flatMap((entry, i) => {
    writeFileSync(join(dir, `usage-${i}.ts`), entry.usage);
    if (setting !== 'nodenext') return [`usage-${i}.ts`];
    // require() of the ESM package from a CommonJS module: TypeScript checks it is allowed under nodenext.
    const spec = entry.subpath === '.' ? 'rxmemcache' : `rxmemcache/${entry.subpath.slice(2)}`;
    writeFileSync(join(dir, `required-${i}.cts`), `import { ${entry.probe} } from '${spec}';\nexport const probe: unknown = ${entry.probe};\n`);
    return [`usage-${i}.ts`, `required-${i}.cts`];
  });
  const compilerOptions = { strict: true, target: 'es2022', noEmit: true, ...SETTINGS[setting] };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
  return join(dir, 'tsconfig.json');
}

/** Compiles every entry's usage with one compiler and setting; rejects with the compiler's messages. */
export async function compileUsage(project: string, compiler: Compiler, setting: Setting, entries: readonly Entry[]): Promise<void> {
  const programs = compiler.programPerEntry ? entries.map((entry) => [entry]) : [entries];
  const slug = compiler.name.replace(/\W+/g, '-').toLowerCase();
  for (const [i, group] of programs.entries()) {
    await run(process.execPath, [compiler.tsc, '-p', writeProgram(project, `${slug}-${setting}-${i}`, setting, group)], project);
  }
}
