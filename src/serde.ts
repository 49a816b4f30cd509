import { MemcacheIllegalInputError } from './errors.js';
import type { Key } from './protocol/keys.js';

/** What a serde produces for the wire: the bytes and the 32-bit client flags stored with them. */
export interface Serialized {
  readonly value: Uint8Array;
  readonly flags: number;
}

/**
 * Turns values into stored bytes and back — the same shape as pymemcache's serde objects. The flags
 * travel with the item, so `deserialize` knows what `serialize` did.
 *
 * @example
 * ```ts
 * const json: Serde<object> = {
 *   serialize: (_key, value) => ({ value: Buffer.from(JSON.stringify(value)), flags: 2 }),
 *   deserialize: (_key, bytes) => JSON.parse(bytes.toString('utf8')),
 * };
 * ```
 */
export interface Serde<V> {
  serialize(key: Key, value: V): Serialized;
  deserialize(key: Key, bytes: Buffer, flags: number): V;
}

/** Flag for raw bytes (pymemcache / python-memcached `FLAG_BYTES`). */
export const FLAG_BYTES = 0;
/** Flag for UTF-8 text (pymemcache `FLAG_TEXT`). */
export const FLAG_TEXT = 16;

/** The values the default serde stores. */
export type DefaultValue = string | Uint8Array;

/**
 * The default serde: bytes as flag 0, strings as UTF-8 with flag 16, read back as stored — a `Buffer`
 * or a `string`. Items with other flags are returned as their raw bytes.
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
