import { MemcacheIllegalInputError, MemcacheSerdeError } from '../errors.js';
import { describeKey, type Key } from '../protocol/keys.js';
import { FLAG_JSON } from './flags.js';
import type { Serde } from './types.js';

/** A value JSON can carry unchanged. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * A strict JSON serde under its own flag (256). A value that would not come back the same — `undefined`,
 * a `bigint`, a function, a symbol, `NaN`, `±Infinity`, `-0`, a cycle, a `Date`, a `Map` or any other
 * non-plain object — is rejected with `MemcacheIllegalInputError` at `set` time, before anything is sent.
 * Reading anything but flag 256 fails with `MemcacheSerdeError`.
 *
 * @example
 * ```ts
 * interface User { readonly name: string; readonly tags: string[] }
 * const users = new Client<User>('localhost:11211', { serde: serde.json<User>() });
 * ```
 */
export function json<T = JsonValue>(): Serde<T> {
  return {
    serialize(key, value) {
      assertJson(key, value, '$', new Set());
      return { value: Buffer.from(JSON.stringify(value), 'utf8'), flags: FLAG_JSON };
    },
    deserialize(key, bytes, flags) {
      if (flags !== FLAG_JSON) throw new MemcacheSerdeError(`${describeKey(key)} has flags ${flags}, not JSON (${FLAG_JSON})`);
      try {
        return JSON.parse(bytes.toString('utf8')) as T;
      } catch (cause) {
        throw new MemcacheSerdeError(`${describeKey(key)} holds invalid JSON`, { cause });
      }
    },
  };
}

/** Walks the value; `seen` holds the objects on the current path, so shared (non-cyclic) references pass. */
function assertJson(key: Key, value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return;
      throw reject(key, path, `the number ${String(value)} does not survive JSON`);
    case 'object':
      if (value === null) return;
      if (seen.has(value)) throw reject(key, path, 'a cycle');
      seen.add(value);
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertJson(key, item, `${path}[${i}]`, seen));
      } else {
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) throw reject(key, path, `a ${value.constructor?.name ?? 'non-plain'} object`);
        if (Object.getOwnPropertySymbols(value).length > 0) throw reject(key, path, 'symbol keys');
        for (const [name, item] of Object.entries(value)) assertJson(key, item, `${path}.${name}`, seen);
      }
      seen.delete(value);
      return;
    default:
      throw reject(key, path, typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`);
  }
}

function reject(key: Key, path: string, what: string): MemcacheIllegalInputError {
  return new MemcacheIllegalInputError(`serde.json cannot store ${what} at ${path} (key ${describeKey(key)}): it would not read back the same`);
}
