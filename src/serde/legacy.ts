import type { Deserializer, Serde, Serializer } from './types.js';
import { defaultSerde, type DefaultValue } from './default.js';

/**
 * pymemcache's legacy style: a serializer and/or deserializer function instead of a serde object. A
 * missing side behaves like the default serde.
 *
 * @example
 * ```ts
 * const s = serde.fromFunctions((_k, v: string) => [Buffer.from(v), 0], (_k, b) => b.toString());
 * ```
 */
export function fromFunctions<V>(serializer?: Serializer<V>, deserializer?: Deserializer<V>): Serde<V> {
  const fallback = defaultSerde as unknown as Serde<V>;
  return {
    serialize(key, value) {
      if (serializer === undefined) return fallback.serialize(key, value);
      const out = serializer(key, value);
      return isPair(out) ? { value: out[0], flags: out[1] } : out;
    },
    deserialize: deserializer ?? ((key, bytes, flags) => fallback.deserialize(key, bytes, flags)),
  };
}

function isPair(out: ReturnType<Serializer<unknown>>): out is readonly [Uint8Array, number] {
  return Array.isArray(out);
}

export type { DefaultValue };
