import { createHash } from 'node:crypto';

/** memcached's key limit (protocol.txt, "Keys"), before the client's `keyPrefix`. */
const MAX_KEY_BYTES = 250;

/** Printable ASCII without space: what the text protocol takes as a key byte for byte. */
const PLAIN = /^[\x21-\x7e]*$/;

/** Characters of a full SHA-256 in base64url, and the fewest kept (128 bits) when a long keyPrefix leaves less room. */
const HASH_LENGTH = 43;
const MIN_HASH_LENGTH = 22;

/** Starts a hashed key. A plain key starting with it is hashed too, so no plain key can pose as a hash. */
const HASHED = '#';

/**
 * Where each namespace's generation token lives. Its first segment is longer than any token, so it can
 * never be mistaken for a value key (`<token>:…`).
 */
const GENERATION_PREFIX = 'keyv-generation:';

/**
 * How many bytes of key are left once the client's `keyPrefix` is added.
 *
 * @example
 * ```ts
 * keyRoom('app:'); // 246
 * ```
 */
export function keyRoom(clientPrefix: string): number {
  return MAX_KEY_BYTES - Buffer.byteLength(clientPrefix, 'utf8');
}

/**
 * The memcached key of a Keyv key under a generation: `<generation>:<key>` when that is a valid key
 * that fits, else `<generation>:#<sha256 of the key, base64url>`. Keyv accepts any string, memcached
 * only up to 250 bytes of printable ASCII without spaces; the hash keeps every string storable, and
 * distinct (up to SHA-256 collisions). A long client `keyPrefix` shortens the hash to what fits, down to
 * 128 bits: up to a 218-byte prefix, every key fits.
 *
 * @example
 * ```ts
 * valueKey('AbCd_123', 'keyv:user:1', 250);   // 'AbCd_123:keyv:user:1'
 * valueKey('AbCd_123', 'keyv:hello world', 250); // 'AbCd_123:#…' (43 characters of hash)
 * ```
 */
export function valueKey(generation: string, key: string, room: number): string {
  return `${generation}:${fitted(key, room - generation.length - 1)}`;
}

/**
 * The key holding a namespace's generation token. No namespace (`undefined` or `''`) has one of its own.
 *
 * @example
 * ```ts
 * generationKey('keyv', 250); // 'keyv-generation:keyv'
 * ```
 */
export function generationKey(namespace: string | undefined, room: number): string {
  return `${GENERATION_PREFIX}${fitted(namespace ?? '', room - GENERATION_PREFIX.length)}`;
}

function fitted(text: string, room: number): string {
  if (PLAIN.test(text) && !text.startsWith(HASHED) && text.length <= room) return text;
  const length = Math.max(MIN_HASH_LENGTH, Math.min(HASH_LENGTH, room - HASHED.length));
  return HASHED + createHash('sha256').update(text, 'utf8').digest('base64url').slice(0, length);
}
