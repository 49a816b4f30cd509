import { MemcacheIllegalInputError } from '../errors.js';

/** The largest unsigned 64-bit value: memcached counters and cas uniques live in this range. */
export const MAX_U64 = (1n << 64n) - 1n;
const MAX_U32 = 0xffffffff;

/**
 * Expiration in seconds: 0 = never, up to 30 days relative, larger = a Unix time (protocol.txt,
 * "Expiration times"). Negative values expire at once, which memcached accepts.
 */
export function checkExpire(expire: number | undefined, what = 'expire'): string {
  if (expire === undefined) return '0';
  if (!Number.isSafeInteger(expire) || expire < -MAX_U32 || expire > MAX_U32) {
    throw new MemcacheIllegalInputError(`${what} must be an integer number of seconds, got ${String(expire)}`);
  }
  return String(expire);
}

/** Client flags: an unsigned 32-bit integer (memcached ≥ 1.2.1). */
export function checkFlags(flags: number): number {
  if (!Number.isInteger(flags) || flags < 0 || flags > MAX_U32) {
    throw new MemcacheIllegalInputError(`flags must be an integer in 0..${MAX_U32}, got ${String(flags)}`);
  }
  return flags;
}

/** incr/decr delta: a non-negative integer that fits 64 bits unsigned. */
export function checkDelta(delta: number | bigint): string {
  if (typeof delta === 'number') {
    if (Number.isSafeInteger(delta) && delta >= 0) return String(delta);
  } else if (typeof delta === 'bigint' && delta >= 0n && delta <= MAX_U64) {
    return delta.toString();
  }
  throw new MemcacheIllegalInputError(
    `delta must be a non-negative safe integer or a bigint up to 2^64-1, got ${typeof delta === 'bigint' ? `${delta}n` : String(delta)}`,
  );
}

/** cas unique tokens are decimal ASCII digits only, as `gets` returns them. */
export function checkCasToken(cas: string | bigint | number): string {
  const text = typeof cas === 'bigint' || typeof cas === 'number' ? String(cas) : cas;
  if (typeof text !== 'string' || !/^[0-9]{1,20}$/.test(text) || BigInt(text) > MAX_U64) {
    throw new MemcacheIllegalInputError(`cas token must be 1-20 decimal digits (a gets token), got ${JSON.stringify(String(cas))}`);
  }
  return text;
}

/** A non-negative whole number for delays and limits. */
export function checkCount(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MemcacheIllegalInputError(`${what} must be a non-negative integer, got ${String(value)}`);
  }
  return String(value);
}

/** Parses an unsigned 64-bit decimal reply (incr/decr) exactly. */
export function parseU64(text: string): bigint | undefined {
  return /^[0-9]{1,20}$/.test(text) ? BigInt(text) : undefined;
}
