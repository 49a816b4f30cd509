import type { Key } from '../protocol/keys.js';

/** What a serde produces for the wire: the bytes and the 32-bit client flags stored with them. */
export interface Serialized {
  readonly value: Uint8Array;
  readonly flags: number;
}

/**
 * Turns values into stored bytes and back — the same shape as pymemcache's serde objects. The flags
 * travel with the item, so `deserialize` knows what `serialize` did. A serde whose `deserialize` throws
 * fails only that command.
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

/** pymemcache's legacy single-function serializer: returns `{ value, flags }` or `[value, flags]`. */
export type Serializer<V> = (key: Key, value: V) => Serialized | readonly [Uint8Array, number];

/** pymemcache's legacy single-function deserializer. */
export type Deserializer<V> = (key: Key, bytes: Buffer, flags: number) => V;
