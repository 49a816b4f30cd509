import { MemcacheIllegalInputError } from '../errors.js';
import { describeKey, wireKey, type Key, type KeyRules } from './keys.js';

/**
 * A binary key travels base64-encoded with the `b` flag, and memcached 1.6.18 refuses a key token over
 * 250 characters before decoding it (`CLIENT_ERROR bad command line format`, measured): 186 bytes encode
 * to 248 characters, 187 to 252.
 *
 * @example
 * ```ts
 * await client.metaSet(new Uint8Array(MAX_BINARY_KEY_LENGTH), 'fits');
 * ```
 */
export const MAX_BINARY_KEY_LENGTH = 186;

/** A key as a meta command carries it: the token for the command line, and whether it is base64 (`b`). */
export interface MetaKey {
  readonly token: string;
  readonly binary: boolean;
}

/**
 * The meta-protocol form of a key. A string follows the text protocol's rules (see `wireKey`); a
 * `Uint8Array` is any bytes at all, sent base64-encoded with the `b` flag (the prefix's bytes first).
 * @throws MemcacheIllegalInputError for an empty key, a string the text rules refuse, or bytes (prefix
 * included) over {@link MAX_BINARY_KEY_LENGTH}.
 *
 * @example
 * ```ts
 * metaKey(Uint8Array.of(0, 32, 255), { prefix: '', allowUnicodeKeys: false }); // { token: 'ACD/', binary: true }
 * ```
 */
export function metaKey(key: Key, rules: KeyRules): MetaKey {
  if (typeof key === 'string' || !(key instanceof Uint8Array)) return { token: wireKey(key, rules), binary: false };
  if (key.length === 0) throw new MemcacheIllegalInputError('key <empty>: a key must not be empty');
  const bytes = Buffer.concat([Buffer.from(rules.prefix, 'latin1'), key]);
  if (bytes.length > MAX_BINARY_KEY_LENGTH) {
    throw new MemcacheIllegalInputError(
      `key ${describeKey(key)}: a binary key (prefix included) is at most ${MAX_BINARY_KEY_LENGTH} bytes in the meta protocol, got ${bytes.length}`,
    );
  }
  return { token: bytes.toString('base64'), binary: true };
}
