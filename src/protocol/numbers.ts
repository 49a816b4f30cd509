import { MemcacheIllegalInputError } from '../errors.js';

/** The largest unsigned 64-bit value: memcached counters and cas uniques live in this range. */
export const MAX_U64 = (1n << 64n) - 1n;
const MAX_U32 = 0xffffffff;

/** memcached reads exptime and flush_all delays as signed 32-bit integers; larger values wrap. */
export const EXPTIME_MIN = -(2 ** 31);
/** 2^31 - 1 seconds: as a Unix time, 2038-01-19T03:14:07Z. */
export const EXPTIME_MAX = 2 ** 31 - 1;

/**
 * Expiration in seconds (protocol.txt, "Expiration times"): 0 = never, up to 30 days (2592000) relative,
 * larger = a Unix time. memcached 1.6.18 parses it as a signed 32-bit integer: from 2^31 up (a Unix time
 * after 2038-01-19) the item is stored already expired, and below -2^31 it wraps around to a far
 * future, so both are refused. A negative value inside the range expires the item at once, as
 * protocol.txt documents, and is allowed.
 */
export function checkExpire(expire: number | undefined, what = 'expire'): string {
  if (expire === undefined) return '0';
  if (!Number.isSafeInteger(expire) || expire < EXPTIME_MIN || expire > EXPTIME_MAX) {
    throw new MemcacheIllegalInputError(
      `${what} must be an integer number of seconds in ${EXPTIME_MIN}..${EXPTIME_MAX} (0 = never, up to 2592000 = ` +
        `relative, larger = a Unix time before 2038-01-19, negative = already expired), got ${String(expire)}`,
    );
  }
  return String(expire);
}

/** `flush_all` delay: like an exptime (memcached flushes at once from 2^31 up), but never negative. */
export function checkFlushDelay(delay: number): string {
  if (!Number.isSafeInteger(delay) || delay < 0 || delay > EXPTIME_MAX) {
    throw new MemcacheIllegalInputError(`delay must be an integer number of seconds in 0..${EXPTIME_MAX}, got ${String(delay)}`);
  }
  return String(delay);
}

/**
 * Bytes memcached 1.6.18 counts on top of key and value against its item size limit (`-I`): a 48-byte
 * item header, 8 for the cas unique, 1 after the key, 2 for the value's CRLF and 4 for non-zero client
 * flags. Measured: with `-I 1m` and flags 16 the largest value that stores is 1048576 - 63 - key bytes,
 * for every key length (59 with flags 0; 8 less again under `-C`). This is the largest of those.
 */
export const ITEM_OVERHEAD = 63;

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

/** memcached's `cache_memlimit` takes 8 MB up to 1,000,000,000 MB (below, or above 2^32, it refuses). */
const MEMLIMIT_MIN = 8;
const MEMLIMIT_MAX = 1_000_000_000;

/** A `cache_memlimit` argument in megabytes. @throws MemcacheIllegalInputError outside what memcached accepts. */
export function checkMemlimit(megabytes: number): string {
  if (!Number.isSafeInteger(megabytes) || megabytes < MEMLIMIT_MIN || megabytes > MEMLIMIT_MAX) {
    throw new MemcacheIllegalInputError(`cache_memlimit takes an integer number of megabytes in ${MEMLIMIT_MIN}..${MEMLIMIT_MAX}, got ${String(megabytes)}`);
  }
  return String(megabytes);
}

/** Parses an unsigned 64-bit decimal reply (incr/decr) exactly. */
export function parseU64(text: string): bigint | undefined {
  return /^[0-9]{1,20}$/.test(text) ? BigInt(text) : undefined;
}
