// Type-checks README blocks with the repo's TypeScript, `rxmemcache` and its subpaths resolved to src/ (as
// the published exports map them to dist/), under the options a careful user would have: --strict and more.
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One block's compile errors, each as `README.md:<line>: <message>`. */
export type Diagnostics = ReadonlyMap<string, readonly string[]>;

/** Compiles the files together; returns the errors of each file, with lines moved by the file's README offset. */
export function checkFiles(root: string, files: ReadonlyMap<string, number>): Diagnostics {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: true,
    noEmit: true,
    paths: { rxmemcache: [join(root, 'src/index.ts')], 'rxmemcache/*': [join(root, 'src/*/index.ts')] },
  };
  const program = ts.createProgram([...files.keys()], options);
  const result = new Map<string, string[]>();
  for (const [file, readmeLine] of files) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${relative(root, file)}: not in the program`);
    // Only the blocks' own diagnostics: src/ is checked by `npm run typecheck`, and asking for it here would double the time.
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    result.set(file, found.map((d) => {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      return `README.md:${readmeLine + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }));
  }
  return result;
}
