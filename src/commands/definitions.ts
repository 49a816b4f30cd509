import { MemcacheError, MemcacheServerError } from '../errors.js';
import type { ValueFrame } from '../protocol/frames.js';
import { parseU64 } from '../protocol/numbers.js';
import type { Request, WirePart } from '../protocol/request.js';
import { SecretBytes } from '../secret.js';
import { RawReader } from './raw-reader.js';
import { LineReader, LinesReader, StatsReader, ValuesReader } from './readers.js';

/**
 * Every command's wire form and reply reading, as data (protocol.txt sections named per command).
 * Arguments arrive validated and encoded: keys as latin1 wire strings, numbers as decimal text.
 */

const suffix = (noreply: boolean): string => (noreply ? ' noreply\r\n' : '\r\n');

/** Storage verbs sharing one wire form ("Storage commands"). */
export type StoreVerb = 'set' | 'add' | 'replace' | 'append' | 'prepend' | 'cas';

/** The reply words a store can get, and what each means to the caller. */
const STORE_REPLIES = { STORED: true, NOT_STORED: false, EXISTS: false, NOT_FOUND: null } as const satisfies Record<
  string,
  boolean | null
>;
const storeReply = (line: string): boolean | null | undefined =>
  Object.hasOwn(STORE_REPLIES, line) ? STORE_REPLIES[line as keyof typeof STORE_REPLIES] : undefined;
/** A storage reply as "stored or not". */
const stored = (line: string): boolean | undefined => {
  const reply = storeReply(line);
  return reply === undefined ? undefined : reply === true;
};

/** A value ready for the wire. */
export interface Stored {
  readonly key: string;
  readonly data: Uint8Array;
  readonly flags: number;
}

function storeLine(verb: StoreVerb, item: Stored, expire: string, noreply: boolean, cas?: string): string {
  return `${verb} ${item.key} ${item.flags} ${expire} ${item.data.length}${cas === undefined ? '' : ` ${cas}`}${suffix(noreply)}`;
}

/** `<verb> <key> <flags> <exptime> <bytes> [noreply]` + data: true when stored, false when not (for any reason). */
export function store(verb: Exclude<StoreVerb, 'cas'>, item: Stored, expire: string, noreply: boolean): Request<boolean> {
  return {
    name: verb,
    parts: [storeLine(verb, item, expire, noreply), item.data, '\r\n'],
    reader: noreply ? undefined : () => new LineReader(verb, stored),
    noreplyValue: true,
  };
}

/** `cas <key> <flags> <exptime> <bytes> <cas> [noreply]` + data: true stored, false EXISTS, null NOT_FOUND. */
export function cas(item: Stored, expire: string, noreply: boolean, unique: string): Request<boolean | null> {
  return {
    name: 'cas',
    parts: [storeLine('cas', item, expire, noreply, unique), item.data, '\r\n'],
    reader: noreply ? undefined : () => new LineReader('cas', storeReply),
    noreplyValue: true,
  };
}

/** Many sets in one request, one reply line each; resolves to the indexes that were not stored. */
export function storeMany(items: readonly Stored[], expire: string, noreply: boolean): Request<number[]> {
  // A loop, not flatMap: a HashClient's setMany of 100,000 keys builds a third of that here per server.
  const parts: WirePart[] = [];
  for (const item of items) parts.push(storeLine('set', item, expire, noreply), item.data, '\r\n');
  const lines = () => new LinesReader('set', items.length, storeReply);
  return {
    name: 'setMany',
    keys: items.length,
    parts,
    reader: noreply
      ? undefined
      : () => {
          const reader = lines();
          return {
            read: (frame) => reader.read(frame),
            result: () => failedIndexes(reader.result()),
          };
        },
    noreplyValue: [],
  };
}

/** A server error for one key (e.g. too large) marks that key failed; protocol-level errors throw. */
function failedIndexes(results: Array<boolean | null | MemcacheError>): number[] {
  const failed: number[] = [];
  results.forEach((result, index) => {
    if (result instanceof MemcacheError && result.code !== 'MEMCACHE_SERVER_ERROR') throw result;
    if (result !== true) failed.push(index);
  });
  return failed;
}

/** Keys per retrieval line: long lists become several commands in one pipelined request. */
export const KEYS_PER_GET = 100;

/**
 * `get|gets <key>*` or `gat|gats <exptime> <key>*` ("Retrieval command"), split into lines of
 * `KEYS_PER_GET`. Each key is asked for once, so a second value for it is a protocol error.
 */
export function retrieve(verb: 'get' | 'gets' | 'gat' | 'gats', wanted: readonly string[], expire?: string): Request<ValueFrame[]> {
  if (wanted.length === 1) {
    const key = wanted[0] as string;
    const head = expire === undefined ? `${verb} ` : `${verb} ${expire} `;
    return { name: verb, keys: 1, parts: [`${head}${key}\r\n`], reader: () => new ValuesReader(verb, key, 1) };
  }
  return retrieveEach(verb, new Set(wanted), expire);
}

/** `retrieve` for keys already distinct (a set, or the keys of a map). */
export function retrieveEach(verb: 'get' | 'gets' | 'gat' | 'gats', asked: ReadonlySet<string> | ReadonlyMap<string, unknown>, expire?: string): Request<ValueFrame[]> {
  const head = expire === undefined ? `${verb} ` : `${verb} ${expire} `;
  const parts: string[] = [];
  let line: string[] = [];
  for (const key of asked.keys()) {
    line.push(key);
    if (line.length === KEYS_PER_GET) {
      parts.push(`${head}${line.join(' ')}\r\n`);
      line = [];
    }
  }
  if (line.length > 0) parts.push(`${head}${line.join(' ')}\r\n`);
  return { name: verb, keys: asked.size, parts, reader: () => new ValuesReader(verb, asked, parts.length) };
}

/** `delete <key> [noreply]` → DELETED / NOT_FOUND. */
export function remove(key: string, noreply: boolean): Request<boolean> {
  return lineCommand('delete', `delete ${key}${suffix(noreply)}`, noreply, true, (l) => pick(l, 'DELETED', 'NOT_FOUND'));
}

/** Many deletes in one request; resolves to whether each key existed (all true with noreply). */
export function removeMany(keys: readonly string[], noreply: boolean): Request<boolean[]> {
  return {
    name: 'deleteMany',
    keys: keys.length,
    parts: keys.map((key) => `delete ${key}${suffix(noreply)}`),
    reader: noreply
      ? undefined
      : () => {
          const reader = new LinesReader('delete', keys.length, (l) => pick(l, 'DELETED', 'NOT_FOUND'));
          return {
            read: (frame) => reader.read(frame),
            result: () =>
              reader.result().map((r) => {
                if (r instanceof MemcacheError) throw r;
                return r;
              }),
          };
        },
    noreplyValue: keys.map(() => true),
  };
}

/** `touch <key> <exptime> [noreply]` → TOUCHED / NOT_FOUND. */
export function touch(key: string, expire: string, noreply: boolean): Request<boolean> {
  return lineCommand('touch', `touch ${key} ${expire}${suffix(noreply)}`, noreply, true, (l) => pick(l, 'TOUCHED', 'NOT_FOUND'));
}

/** `incr|decr <key> <delta> [noreply]` → the new value (exact, 64-bit) or NOT_FOUND. */
export function arithmetic(verb: 'incr' | 'decr', key: string, delta: string, noreply: boolean): Request<bigint | null> {
  return lineCommand(verb, `${verb} ${key} ${delta}${suffix(noreply)}`, noreply, null, (l) =>
    l === 'NOT_FOUND' ? null : parseU64(l.trimEnd()),
  );
}

/** `flush_all [delay] [noreply]` → OK. */
export function flushAll(delay: string, noreply: boolean): Request<boolean> {
  return lineCommand('flush_all', `flush_all ${delay}${suffix(noreply)}`, noreply, true, (l) => (l === 'OK' ? true : undefined));
}

/** `cache_memlimit <megabytes>` → OK, or `MEMLIMIT_TOO_SMALL …` / `MEMLIMIT_ADJUST_FAILED …`, a refusal in one line. */
export function cacheMemlimit(megabytes: string): Request<boolean> {
  return lineCommand<boolean>('cache_memlimit', `cache_memlimit ${megabytes}\r\n`, false, true, (l) =>
    l === 'OK' ? true : l.startsWith('MEMLIMIT_') ? new MemcacheServerError(l) : undefined,
  );
}

/** `version` → `VERSION <version>`. */
export function version(): Request<string> {
  return lineCommand('version', 'version\r\n', false, '', (l) => (l.startsWith('VERSION ') ? l.slice(8) : undefined));
}

/** `stats [args]` → STAT lines until END. */
export function stats(args: readonly string[]): Request<Array<readonly [string, string]>> {
  const line = args.length === 0 ? 'stats\r\n' : `stats ${args.join(' ')}\r\n`;
  return { name: 'stats', keys: 0, parts: [line], reader: () => new StatsReader() };
}

/** `shutdown [graceful]`: the server answers only when it refuses (ERROR without `-A`); otherwise it closes. */
export function shutdown(graceful: boolean): Request<boolean> {
  return lineCommand('shutdown', graceful ? 'shutdown graceful\r\n' : 'shutdown\r\n', false, true, (l) => (l === 'OK' ? true : undefined));
}

/**
 * Any command line; its reply's bytes up to the first frame boundary where they end in `endTokens`. On
 * a server known to speak meta (`protocol: 'meta'`, or `'auto'` once probed) an `mn` follows the line and
 * the reply ends at its `MN`; elsewhere at the frame that ends a reply by memcached's grammar (see
 * `RawReader`). A raw `mn` is its own fence: a second would leave an `MN` to the next command.
 */
export function raw(line: Uint8Array | string, endTokens: Buffer, protocol: 'text' | 'meta' | 'auto' = 'text'): Request<Buffer> {
  const text = typeof line === 'string' ? line : Buffer.from(line.buffer, line.byteOffset, line.length).toString('latin1');
  const fence = !/^mn( |$)/.test(text);
  const fenced = (): Request<Buffer> => ({ name: 'raw', keys: 0, parts: [line, '\r\nmn\r\n'], reader: () => new RawReader(endTokens, true) });
  if (protocol === 'meta' && fence) return fenced();
  const unfenced: Request<Buffer> = { name: 'raw', keys: 0, parts: [line, '\r\n'], reader: () => new RawReader(endTokens, false) };
  return protocol === 'auto' && fence ? { ...unfenced, meta: fenced } : unfenced;
}

function pick(line: string, yes: string, no: string): boolean | undefined {
  return line === yes ? true : line === no ? false : undefined;
}

function lineCommand<T>(name: string, line: string, noreply: boolean, noreplyValue: T, map: (line: string) => T | MemcacheError | undefined): Request<T> {
  return { name, parts: [line], reader: noreply ? undefined : () => new LineReader(name, map), noreplyValue };
}

/**
 * memcached's ASCII authentication (protocol.txt, "Authentication"): a `set` of any key whose data is
 * `<username> <password>`; STORED means authenticated. Never noreply: the answer is the whole point.
 */
export function authenticate(username: string, password: string): Request<boolean> {
  // Held by every new connection's queue: SecretBytes keep the password out of any printout.
  const payload = new SecretBytes(Buffer.from(`${username} ${password}`, 'utf8'));
  return {
    name: 'auth',
    parts: [`set auth 0 0 ${payload.length}\r\n`, payload, '\r\n'],
    reader: () => new LineReader('auth', (l) => (l === 'STORED' ? true : undefined)),
  };
}
