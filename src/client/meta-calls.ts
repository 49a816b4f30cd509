import type { MetaFlags, MetaReply } from '../commands/meta.js';
import { MemcacheUnknownError } from '../errors.js';
import type { Key } from '../protocol/keys.js';
import { checkCasToken, checkDelta, checkExpire, checkFlags, parseU64 } from '../protocol/numbers.js';
import type { Codec } from './codec.js';
import type { MetaArithmeticOptions, MetaArithmeticResult, MetaDeleteOptions, MetaDeleteResult, MetaGetOptions, MetaGetResult, MetaSetOptions, MetaSetResult } from './meta-types.js';

// Typed options to meta flags, and meta replies to typed results. Every number is checked as the text
// commands check theirs, before anything is sent.

/**
 * The request flags of an `mg`: the value comes with its client flags, which decoding needs. Without
 * the value, the size and client flags come anyway: they are how a placeholder made by `vivify` (empty,
 * flags 0) is told from an item.
 */
export function getFlags(options: MetaGetOptions): string[] {
  const flags: string[] = options.value === false ? ['f'] : ['v', 'f'];
  if (options.cas === true) flags.push('c');
  // With vivify, the TTL tells the win on a placeholder it made from a recache win (see getResult).
  if (options.ttl === true || options.vivify !== undefined) flags.push('t');
  if (options.size === true || options.value === false) flags.push('s');
  if (options.lastAccess === true) flags.push('l');
  if (options.hitBefore === true) flags.push('h');
  if (options.noLruBump === true) flags.push('u');
  if (options.touch !== undefined) flags.push(`T${checkExpire(options.touch, 'touch')}`);
  if (options.vivify !== undefined) flags.push(`N${checkExpire(options.vivify, 'vivify')}`);
  if (options.recache !== undefined) flags.push(`R${checkExpire(options.recache, 'recache')}`);
  return flags;
}

/**
 * An `mg` reply as the caller's result. A miss with `vivify` comes back as an empty item with `W` (and
 * to later callers with `Z`): that placeholder is not a hit. An item of zero bytes with client flags 0
 * looks the same once due for a refresh (`R`), and the TTL tells the wins apart: memcached 1.6.18
 * reports `t-1` (never expires) on the win that creates a placeholder, while an item due for a refresh
 * has a finite TTL by definition, and a `W` without `N` asked was never a placeholder's. A `Z` on such
 * an item stays ambiguous (both report their finite TTL) and reads as a placeholder: "not yet", never
 * an empty value that is not there.
 */
export function getResult<V>(reply: MetaReply, key: Key, codec: Codec<V>, options: MetaGetOptions): MetaGetResult<V> {
  const f = reply.flags;
  const base = { key, won: f.has('W'), stale: f.has('X'), alreadyWon: f.has('Z') };
  if (reply.status === 'EN') return { ...base, hit: false };
  const clientFlags = f.has('f') ? Number(f.get('f')) : undefined;
  const size = reply.value?.length ?? (f.has('s') ? Number(f.get('s')) : undefined);
  const madeNow = base.won && options.vivify !== undefined && f.get('t') === '-1';
  const placeholder = size === 0 && (madeNow || base.alreadyWon) && !base.stale && (clientFlags ?? 0) === 0;
  return {
    ...base,
    hit: !placeholder,
    ...(reply.value === undefined || placeholder ? {} : { value: codec.decode(key, { value: reply.value, flags: clientFlags ?? 0 }) }),
    ...(clientFlags === undefined || options.value === false ? {} : { clientFlags }),
    ...returned(f, options.ttl === true),
    ...(options.size === true && size !== undefined ? { size } : {}),
    ...(f.has('l') ? { lastAccess: Number(f.get('l')) } : {}),
    ...(f.has('h') ? { hitBefore: f.get('h') === '1' } : {}),
  };
}

/** The request flags of an `ms` (its data and client flags come from the codec). */
export function setFlags(options: MetaSetOptions, clientFlags: number): string[] {
  const flags = [`F${checkFlags(clientFlags)}`, `T${checkExpire(options.expire)}`];
  const mode = options.mode ?? 'set';
  if (mode !== 'set') flags.push(`M${SET_MODES[mode]}`);
  if (options.cas !== undefined) flags.push(`C${checkCasToken(options.cas)}`);
  if (options.invalidate === true) flags.push('I');
  if (options.returnCas === true) flags.push('c');
  return flags;
}

const SET_MODES = { add: 'E', replace: 'R', append: 'A', prepend: 'P', set: 'S' } as const;

/** An `ms` reply as the caller's result. */
export function setResult(reply: MetaReply): MetaSetResult {
  const status = reply.status === 'HD' ? 'stored' : reply.status === 'NS' ? 'not-stored' : reply.status === 'EX' ? 'exists' : reply.status === 'NF' ? 'not-found' : unexpected('ms', reply);
  return { status, stored: status === 'stored', ...(reply.flags.has('c') ? { cas: reply.flags.get('c') as string } : {}) };
}

/** The request flags of an `md`. */
export function deleteFlags(options: MetaDeleteOptions): string[] {
  const flags: string[] = [];
  if (options.cas !== undefined) flags.push(`C${checkCasToken(options.cas)}`);
  if (options.invalidate === true) flags.push('I');
  if (options.expire !== undefined) flags.push(`T${checkExpire(options.expire)}`);
  return flags;
}

/** An `md` reply as the caller's result. */
export function deleteResult(reply: MetaReply): MetaDeleteResult {
  const status = reply.status === 'HD' ? 'deleted' : reply.status === 'NF' ? 'not-found' : reply.status === 'EX' ? 'exists' : unexpected('md', reply);
  return { status, deleted: status === 'deleted' };
}

/** The request flags of an `ma`: the new value always comes back. */
export function arithmeticFlags(options: MetaArithmeticOptions): string[] {
  const flags = ['v', options.mode === 'decr' ? 'MD' : 'MI', `D${checkDelta(options.delta ?? 1)}`];
  if (options.vivify !== undefined) flags.push(`N${checkExpire(options.vivify, 'vivify')}`);
  if (options.initial !== undefined) flags.push(`J${checkDelta(options.initial)}`);
  if (options.expire !== undefined) flags.push(`T${checkExpire(options.expire)}`);
  if (options.cas !== undefined) flags.push(`C${checkCasToken(options.cas)}`);
  if (options.ttl === true) flags.push('t');
  if (options.returnCas === true) flags.push('c');
  return flags;
}

/** An `ma` reply as the caller's result. */
export function arithmeticResult(reply: MetaReply): MetaArithmeticResult {
  if (reply.status === 'NF') return { status: 'not-found' };
  if (reply.status === 'NS') return { status: 'not-stored' };
  if (reply.status === 'EX') return { status: 'exists' };
  const value = reply.value === undefined ? undefined : parseU64(reply.value.toString('latin1'));
  if (reply.status !== 'VA' || value === undefined) return unexpected('ma', reply);
  return { status: 'ok', value, ...returned(reply.flags) };
}

function returned(f: MetaFlags, ttl = true): { ttl?: number | null; cas?: string } {
  return {
    ...(ttl && f.has('t') ? { ttl: f.get('t') === '-1' ? null : Number(f.get('t')) } : {}),
    ...(f.has('c') ? { cas: f.get('c') as string } : {}),
  };
}

function unexpected(verb: string, reply: MetaReply): never {
  throw new MemcacheUnknownError(`unexpected ${reply.status} reply to ${verb}`);
}

