// Runs a README block in a node process of its own, against memcached servers the test starts: each
// distinct server address the block names (`'host:port'` or `['host', port]`) becomes one real server.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

const ADDRESS = /'([A-Za-z0-9.-]+):(\d+)'|\[\s*'([A-Za-z0-9.-]+)',\s*(\d+)\s*\]/g;

/** The distinct addresses a block names, in order. */
export function addressesIn(code: string): string[] {
  return [...new Set([...code.matchAll(ADDRESS)].map((m) => `${m[1] ?? m[3]}:${m[2] ?? m[4]}`))];
}

function pointAt(code: string, servers: ReadonlyMap<string, MemcachedServer>): string {
  return code.replace(ADDRESS, (text, host1?: string, port1?: string, host2?: string, port2?: string) => {
    const server = servers.get(`${host1 ?? host2}:${port1 ?? port2}`);
    return server === undefined ? text : `'${server.spec}'`;
  });
}

/** Transpiles the block (imports of `rxmemcache` pointed at transpiled src/) and runs it; resolves with its output. */
export async function runBlock(code: string, file: string, srcDir: string): Promise<string> {
  const servers = new Map<string, MemcachedServer>();
  try {
    for (const address of addressesIn(code)) servers.set(address, await startMemcached());
    const js = ts.transpileModule(pointAt(code, servers), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText.replace(/from 'rxmemcache(\/[a-z-]+)?'/g, (_text, sub?: string) => `from '${join(srcDir, sub ?? '', 'index.js')}'`);
    writeFileSync(file, js);
    return await new Promise((resolve, reject) => {
      execFile(process.execPath, [file], { timeout: 60_000 }, (error, stdout, stderr) =>
        error === null ? resolve(stdout) : reject(new Error(`${error.killed ? 'still running after 60 s (a client left open?)' : error.message}\n${stdout}\n${stderr}`)),
      );
    });
  } finally {
    await Promise.all([...servers.values()].map((server) => server.stop()));
  }
}
