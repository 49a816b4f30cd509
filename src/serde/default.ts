import { MemcacheIllegalInputError } from '../errors.js';
import { FLAG_BYTES, FLAG_TEXT } from './flags.js';
import type { Serde } from './types.js';

/** The values the default serde stores. */
export type DefaultValue = string | Uint8Array;

/**
 * The default serde: bytes as flag 0, strings as UTF-8 with flag 16 (what pymemcache writes for
 * `bytes` and `str`), read back as stored — a `Buffer` or a `string`. Items with other flags come back
 * as their raw bytes; use `serde.python()` to read Python integers too.
 *
 * @example
 * ```ts
 * const client = new Client('localhost:11211', { serde: defaultSerde });
 * ```
 */
export const defaultSerde: Serde<DefaultValue> = {
  serialize(key, value) {
    if (typeof value === 'string') return { value: Buffer.from(value, 'utf8'), flags: FLAG_TEXT };
    if (value instanceof Uint8Array) return { value, flags: FLAG_BYTES };
    throw new MemcacheIllegalInputError(
      `the default serde stores strings and Uint8Arrays; got ${typeof value} for key ${String(key)} (pass a serde for other types)`,
    );
  },
  deserialize(_key, bytes, flags) {
    return flags === FLAG_TEXT ? bytes.toString('utf8') : bytes;
  },
};
