// What the published package offers, one row per subpath and per command: pack.test.ts checks package.json
// against these tables both ways, so a new subpath or bin is added here and in package.json together.

/** A subpath export: where its files are, what a user imports from it, and what it needs installed beside it. */
export interface Entry {
  readonly subpath: '.' | `./${string}`;
  /** The `types` and `default` targets in package.json's `exports`. */
  readonly types: string;
  readonly js: string;
  /** An export that must be a function (a class) at run time, from `import` and from `require()`. */
  readonly probe: string;
  /** Optional peer dependencies the entry needs at run time and for its types, linked into the test project. */
  readonly peers: readonly string[];
  /** A TypeScript module a user could write against the entry; it must compile under every compiler and setting. */
  readonly usage: string;
}

export const ENTRIES: readonly Entry[] = [
  {
    subpath: '.',
    types: './dist/index.d.ts',
    js: './dist/index.js',
    probe: 'Client',
    peers: [],
    usage: `import { Client, MemcacheIllegalInputError, type MemcacheClient } from 'rxmemcache';
const client: MemcacheClient = new Client('127.0.0.1:11211');
const value = await client.get('key');
const bytes: Uint8Array = typeof value === 'string' ? Buffer.from(value) : (value ?? new Uint8Array());
console.log(bytes.length, MemcacheIllegalInputError.name);
await client.close();
`,
  },
  {
    subpath: './session',
    types: './dist/session/index.d.ts',
    js: './dist/session/index.js',
    probe: 'MemcacheStore',
    peers: ['express-session', '@types/express-session'],
    usage: `import { MockMemcacheClient, type DefaultValue } from 'rxmemcache';
import { MemcacheStore, type MemcacheStoreOptions } from 'rxmemcache/session';
const options: MemcacheStoreOptions<DefaultValue> = { client: new MockMemcacheClient(), ttl: 60 };
const store = new MemcacheStore(options);
store.get('id', (error, session) => console.log(error, session?.cookie.maxAge));
`,
  },
  {
    subpath: './keyv',
    types: './dist/keyv/index.d.ts',
    js: './dist/keyv/index.js',
    probe: 'MemcacheKeyvStore',
    peers: ['keyv'],
    usage: `import Keyv from 'keyv';
import { MockMemcacheClient } from 'rxmemcache';
import { MemcacheKeyvStore } from 'rxmemcache/keyv';
const keyv = new Keyv<{ n: number }>({ store: new MemcacheKeyvStore(new MockMemcacheClient()), namespace: 'app' });
await keyv.set('k', { n: 1 }, 1500);
const hit: { n: number } | undefined = await keyv.get('k');
console.log(hit?.n);
`,
  },
  {
    subpath: './otel',
    types: './dist/otel/index.d.ts',
    js: './dist/otel/index.js',
    probe: 'instrumentRxMemcache',
    peers: ['@opentelemetry/api'],
    usage: `import { instrumentRxMemcache } from 'rxmemcache/otel';
const stop: () => void = instrumentRxMemcache({ includeKeys: false });
stop();
`,
  },
];

/** A command in package.json's `bin`: its name and the file it runs. */
export interface Bin {
  readonly name: string;
  readonly js: string;
}

export const BINS: readonly Bin[] = [{ name: 'rxmemcache', js: './dist/cli/main.js' }];

/** Peer dependencies every entry needs, linked from the repo's node_modules into the test project. */
export const COMMON_PEERS = ['rxjs', '@types/node'] as const;
