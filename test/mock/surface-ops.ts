import fc from 'fast-check';
import type { DefaultValue, MemcacheClient } from '../../src/index.js';

// Random programs of command-surface calls for the mock-vs-client differential test, and how one call's
// outcome is written down so that two clients' outcomes compare: cas tokens become the order in which
// that side first saw them, bytes become hex, errors their class and message.

/** The keys a program uses (one at the limit under the test's 4-byte prefix), so calls collide. */
export const KEY_PREFIX = 'mvc:';
export const KEYS = ['a', 'b', 'c', 'k'.repeat(250 - KEY_PREFIX.length)] as const;

const nowSeconds = Math.floor(Date.now() / 1000);
/** Never, gone at once (negative, Unix times past), alive for the whole run (relative, Unix time ahead). */
const EXPIRES = [0, -1, 2_592_001, nowSeconds - 100, 1_000, nowSeconds + 1_000_000] as const;

type Value = DefaultValue;
type Write = 'set' | 'add' | 'replace' | 'append' | 'prepend';

export type SurfaceOp =
  | { readonly kind: Write; readonly key: string; readonly value: Value; readonly expire: number; readonly noreply: boolean }
  | { readonly kind: 'cas'; readonly key: string; readonly value: Value; readonly expire: number; readonly token: TokenPick; readonly noreply: boolean }
  | { readonly kind: 'get' | 'gets'; readonly key: string }
  | { readonly kind: 'gat' | 'gats'; readonly key: string; readonly expire: number }
  | { readonly kind: 'getMany' | 'getsMany'; readonly keys: readonly string[] }
  | { readonly kind: 'setMany'; readonly entries: ReadonlyArray<readonly [string, Value]>; readonly expire: number; readonly noreply: boolean }
  | { readonly kind: 'delete'; readonly key: string; readonly noreply: boolean }
  | { readonly kind: 'deleteMany'; readonly keys: readonly string[]; readonly noreply: boolean }
  | { readonly kind: 'incr' | 'decr'; readonly key: string; readonly delta: bigint; readonly noreply: boolean }
  | { readonly kind: 'touch'; readonly key: string; readonly expire: number; readonly noreply: boolean }
  | { readonly kind: 'flushAll'; readonly noreply: boolean };

/** Which cas token a `cas` call passes: the last or first one this side's reads showed for the key, or one no item has. */
export type TokenPick = 'latest' | 'first' | 'bogus';

/** A value too long to print in a counterexample. */
const big = (size: number): Uint8Array => Object.assign(new Uint8Array(size).fill(0x78), { [fc.toStringMethod]: () => `<${size} bytes of x>` });

const key = fc.constantFrom(...KEYS);
const keys = fc.array(key, { minLength: 1, maxLength: 5 });
const expire = fc.constantFrom(...EXPIRES);
/** Numbers incr/decr can read (and the edges they wrap or floor at), non-numbers, text and bytes; rarely sizes near and over 1 MiB. */
const value: fc.Arbitrary<Value> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0', '7', '42', '100', '9223372036854775807', '18446744073709551615', ' 5', '-3', 'abc', '') },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom(600 * 1024, 1024 * 1024).map(big) },
);
const delta = fc.oneof(fc.bigInt(0n, 50n), fc.constantFrom(2n ** 63n, 2n ** 64n - 1n));
const noreply = fc.boolean();

export const surfaceOp: fc.Arbitrary<SurfaceOp> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constantFrom('set', 'add', 'replace', 'append', 'prepend'), key, value, expire, noreply }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cas'), key, value, expire, token: fc.constantFrom('latest', 'latest', 'first', 'bogus'), noreply }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('get', 'gets'), key }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('gat', 'gats'), key, expire }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('getMany', 'getsMany'), keys }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('setMany'), entries: fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }), expire, noreply }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete'), key, noreply }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteMany'), keys, noreply }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('incr', 'decr'), key, delta, noreply }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('touch'), key, expire, noreply }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flushAll'), noreply }) },
) as fc.Arbitrary<SurfaceOp>;

/** One side's cas tokens: each named by the order it was first seen in, and remembered per key. */
export class CasTokens {
  private readonly ids = new Map<string, number>();
  private readonly byKey = new Map<string, string[]>();

  /** The side-independent name of a token a read returned for `key`. */
  note(key: string, cas: string): string {
    if (!this.ids.has(cas)) this.ids.set(cas, this.ids.size);
    const seen = this.byKey.get(key) ?? [];
    seen.push(cas);
    this.byKey.set(key, seen);
    return `cas#${this.ids.get(cas) ?? -1}`;
  }

  /** The token a `cas` call passes on this side. */
  pick(key: string, which: TokenPick): string {
    const seen = this.byKey.get(key) ?? [];
    const picked = which === 'latest' ? seen[seen.length - 1] : which === 'first' ? seen[0] : undefined;
    return picked ?? '999999999999';
  }
}

/** Runs one call and writes its outcome down comparably. */
export async function runOp(client: MemcacheClient, op: SurfaceOp, tokens: CasTokens): Promise<unknown> {
  try {
    return await outcome(client, op, tokens);
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

async function outcome(client: MemcacheClient, op: SurfaceOp, tokens: CasTokens): Promise<unknown> {
  const casRead = (k: string, hit: { value: unknown; cas: unknown }): unknown =>
    hit.cas === undefined ? { miss: true } : { value: shown(hit.value), cas: tokens.note(k, hit.cas as string) };
  const reads = (hits: Map<string, unknown>): unknown => [...hits].map(([k, v]) => [k, shown(v)]);
  switch (op.kind) {
    case 'cas':
      return client.cas(op.key, op.value, tokens.pick(op.key, op.token), { expire: op.expire, noreply: op.noreply });
    case 'get':
      return shown(await client.get(op.key));
    case 'gat':
      return shown(await client.gat(op.key, op.expire));
    case 'gets':
      return casRead(op.key, await client.gets(op.key));
    case 'gats':
      return casRead(op.key, await client.gats(op.key, op.expire));
    case 'getMany':
      return reads(await client.getMany(op.keys));
    case 'getsMany':
      return [...(await client.getsMany(op.keys))].map(([k, hit]) => [k, casRead(k, hit)]);
    case 'setMany':
      return client.setMany(op.entries, { expire: op.expire, noreply: op.noreply });
    case 'delete':
      return client.delete(op.key, { noreply: op.noreply });
    case 'deleteMany':
      return client.deleteMany(op.keys, { noreply: op.noreply });
    case 'incr':
    case 'decr':
      return shown(await client[op.kind](op.key, op.delta, { noreply: op.noreply }));
    case 'touch':
      return client.touch(op.key, op.expire, { noreply: op.noreply });
    case 'flushAll':
      return [...(await client.flushAll(0, { noreply: op.noreply })).values()];
    default:
      return client[op.kind](op.key, op.value, { expire: op.expire, noreply: op.noreply });
  }
}

/** Bytes as hex, bigints as text: what `toEqual` and a failure message show alike. */
function shown(value: unknown): unknown {
  if (value instanceof Uint8Array) return `bytes:${Buffer.from(value).toString('hex').slice(0, 200)}(${value.length})`;
  if (typeof value === 'bigint') return `${value}n`;
  return value;
}
