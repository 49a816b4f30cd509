import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The README's tracing, OpenTelemetry and discovery examples compile as a user's strict TypeScript
// would, with 'rxmemcache' and 'rxmemcache/otel' resolved to this source tree.
const root = resolve(import.meta.dirname, '../..');
const SECTIONS = ['## Observability', '## OpenTelemetry', '## Auto-discovery (ElastiCache)'];

/** The first ```ts block of each section. */
function examples(): Map<string, string> {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const found = new Map<string, string>();
  for (const heading of SECTIONS) {
    const from = readme.indexOf(`\n${heading}\n`);
    const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(from));
    if (from >= 0 && block?.[1] !== undefined) found.set(heading, block[1]);
  }
  return found;
}

/** Type errors of the given files, compiled with the project's options as in-memory modules. */
function compile(files: ReadonlyMap<string, string>): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (config === undefined) throw new Error('tsconfig.json did not parse');
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    // A reader's snippet may declare what it does not use yet; strictness is what matters.
    noUnusedLocals: false,
    baseUrl: root,
    paths: { rxmemcache: ['src/index.ts'], 'rxmemcache/otel': ['src/otel/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const read = host.readFile.bind(host);
  const exists = host.fileExists.bind(host);
  const source = host.getSourceFile.bind(host);
  host.readFile = (name) => files.get(name) ?? read(name);
  host.fileExists = (name) => files.has(name) || exists(name);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    return text === undefined ? source(name, language, ...rest) : ts.createSourceFile(name, text, language);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && files.has(d.file.fileName))
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('README examples', () => {
  it('finds the tracing, OpenTelemetry and discovery examples', () => {
    expect([...examples().keys()]).toEqual(SECTIONS);
  });

  it('compile under strict TypeScript; the untyped channel the README used to show would not', () => {
    const old = "import { tracingChannel } from 'node:diagnostics_channel';\ntracingChannel('rxmemcache:command').subscribe({ start: (t) => console.log(t.command), end: () => {}, asyncStart: () => {}, asyncEnd: () => {}, error: () => {} });\n";
    const oldFile = join(root, 'test', 'otel', 'readme-old.ts');
    const files = new Map([...examples().values()].map((code, i) => [join(root, 'test', 'otel', `readme-example-${i}.ts`), code]));
    const errors = compile(new Map([...files, [oldFile, old]]));
    expect(errors.filter((e) => !e.startsWith(oldFile))).toEqual([]);
    expect(errors.join('\n')).toMatch(/readme-old.ts: Property 'command' does not exist on type 'object'/);
  }, 60_000);
});
