import { deserialize as v8Deserialize, serialize as v8Serialize } from 'node:v8';
import { MemcacheIllegalInputError, MemcacheSerdeError } from '../errors.js';
import { describeKey } from '../protocol/keys.js';
import { FLAG_V8 } from './flags.js';
import type { Serde } from './types.js';

/**
 * Rich values with `node:v8` structured serialization, under flag 512: objects, arrays, `Map`, `Set`,
 * `Date`, `RegExp`, `bigint`, typed arrays, nested and cyclic structures — this library's counterpart of
 * pymemcache's `pickle_serde`. Values that cannot be cloned (functions, symbols) are rejected at `set`.
 *
 * Like pickle, use it only for data written by your own trusted services: v8 deserialization rebuilds
 * whatever object graph the bytes describe (it does not run code, but it trusts the input). The default
 * serde never instantiates anything from the cache beyond strings and bytes.
 *
 * @example
 * ```ts
 * const rich = new Client<Map<string, Date>>('localhost:11211', { serde: serde.v8() });
 * await rich.set('seen', new Map([['ada', new Date()]]));
 * ```
 */
export function v8<T = unknown>(): Serde<T> {
  return {
    serialize(key, value) {
      try {
        return { value: v8Serialize(value), flags: FLAG_V8 };
      } catch (cause) {
        throw new MemcacheIllegalInputError(`serde.v8 cannot store this value for key ${describeKey(key)}`, { cause });
      }
    },
    deserialize(key, bytes, flags) {
      if (flags !== FLAG_V8) throw new MemcacheSerdeError(`${describeKey(key)} has flags ${flags}, not v8 (${FLAG_V8})`);
      try {
        return v8Deserialize(bytes) as T;
      } catch (cause) {
        throw new MemcacheSerdeError(`${describeKey(key)} holds bytes that are not v8-serialized`, { cause });
      }
    },
  };
}
