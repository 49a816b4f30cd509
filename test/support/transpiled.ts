// Runs TypeScript sources in a child node process: transpiles them (types dropped, no checking: tsc
// checks them in the suite) into a directory under the repo, so the child resolves `rxjs` from the repo's
// node_modules like the tests do. Node 20 cannot run .ts itself, and the repo has no runner for it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/** Transpiles the .ts files named and those under the directories named (repo-relative) into `outDir`, keeping the layout. */
export function transpileTree(paths: readonly string[], outDir: string): string {
  for (const path of paths) {
    for (const file of path.endsWith('.ts') ? [join(ROOT, path)] : tsFiles(join(ROOT, path))) {
      const out = ts.transpileModule(readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
        fileName: file,
      });
      const target = join(outDir, relative(ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, out.outputText);
    }
  }
  return outDir;
}

/** A fresh directory for transpiled output, under the repo's (git-ignored) `.build`. */
export function buildDir(name: string): string {
  const dir = join(ROOT, '.build', `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes a directory made by `buildDir`. */
export function removeBuildDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
