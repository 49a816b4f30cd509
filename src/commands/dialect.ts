import type { ValueFrame } from '../protocol/frames.js';
import type { Request } from '../protocol/request.js';
import * as text from './definitions.js';
import type { Stored, StoreVerb } from './definitions.js';

/**
 * The wire form of the classic commands, in one protocol. Both dialects read every reply into the same
 * result (a hit as a `ValueFrame`, a store as true or false, …), so the command surface above them is one.
 * Keys and numbers arrive validated and encoded.
 */
export interface Dialect {
  readonly name: 'text' | 'meta';
  /** set/add/replace/append/prepend: true when stored (with noreply: as the dialect knows it). */
  store(verb: Exclude<StoreVerb, 'cas'>, item: Stored, expire: string, noreply: boolean): Request<boolean>;
  /** cas: true stored, false changed since, null gone. */
  cas(item: Stored, expire: string, noreply: boolean, unique: string): Request<boolean | null>;
  /** One key's get/gets/gat/gats: its hit, if any. */
  retrieve(verb: 'get' | 'gets' | 'gat' | 'gats', wanted: readonly string[], expire?: string): Request<ValueFrame[]>;
  /** Distinct keys' get/gets: their hits. */
  retrieveEach(verb: 'get' | 'gets' | 'gat' | 'gats', asked: ReadonlySet<string> | ReadonlyMap<string, unknown>, expire?: string): Request<ValueFrame[]>;
  /** delete: true when it existed. */
  remove(key: string, noreply: boolean): Request<boolean>;
  /** Many deletes: whether each key existed. */
  removeMany(keys: readonly string[], noreply: boolean): Request<boolean[]>;
  /** touch: true when it exists. */
  touch(key: string, expire: string, noreply: boolean): Request<boolean>;
  /** incr/decr: the new value, or null when missing. */
  arithmetic(verb: 'incr' | 'decr', key: string, delta: string, noreply: boolean): Request<bigint | null>;
  /** Many sets: the indexes not stored. */
  storeMany(items: readonly Stored[], expire: string, noreply: boolean): Request<number[]>;
}

/** The text protocol (protocol.txt, "Commands"): what every memcached and proxy speaks. */
export const TEXT_DIALECT: Dialect = {
  name: 'text',
  store: text.store,
  cas: text.cas,
  retrieve: text.retrieve,
  retrieveEach: text.retrieveEach,
  remove: text.remove,
  removeMany: text.removeMany,
  touch: text.touch,
  arithmetic: text.arithmetic,
  storeMany: text.storeMany,
};

/**
 * `protocol: 'auto'`: text requests that carry their meta form where the meta protocol does better (a
 * single key's read: one frame per hit, measured 50% more gets per second; every noreply write, batches,
 * cas and incr/decr included: its true result, where text would resolve it unread). The server's
 * executor sends the meta form where the server speaks meta, the text form elsewhere; `prefersMeta`
 * says which to build first.
 */
export function autoDialect(meta: Dialect, prefersMeta: () => boolean = () => false): Dialect {
  // Built eagerly in the form the server was last found to speak (each form is work on the hot path),
  // the other one only if the executor needs it after all.
  const either = <T>(build: (d: Dialect) => Request<T>): Request<T> => {
    if (prefersMeta()) {
      const first = build(meta);
      const text = (): Request<T> => build(TEXT_DIALECT);
      return first.reader === undefined
        ? { name: first.name, parts: first.parts, keys: first.keys ?? 1, reader: undefined, noreplyValue: first.noreplyValue as T, text }
        : { name: first.name, parts: first.parts, keys: first.keys ?? 1, reader: first.reader, text };
    }
    const first = build(TEXT_DIALECT);
    const other = (): Request<T> => build(meta);
    return first.reader === undefined
      ? { name: first.name, parts: first.parts, keys: first.keys ?? 1, reader: undefined, noreplyValue: first.noreplyValue as T, meta: other }
      : { name: first.name, parts: first.parts, keys: first.keys ?? 1, reader: first.reader, meta: other };
  };
  return {
    ...TEXT_DIALECT,
    store: (verb, item, expire, noreply) => (noreply ? either((d) => d.store(verb, item, expire, true)) : text.store(verb, item, expire, false)),
    retrieve: (verb, wanted, expire) => (wanted.length === 1 ? either((d) => d.retrieve(verb, wanted, expire)) : text.retrieve(verb, wanted, expire)),
    remove: (key, noreply) => (noreply ? either((d) => d.remove(key, true)) : text.remove(key, false)),
    touch: (key, expire, noreply) => (noreply ? either((d) => d.touch(key, expire, true)) : text.touch(key, expire, false)),
    cas: (item, expire, noreply, unique) => (noreply ? either((d) => d.cas(item, expire, true, unique)) : text.cas(item, expire, false, unique)),
    arithmetic: (verb, key, delta, noreply) => (noreply ? either((d) => d.arithmetic(verb, key, delta, true)) : text.arithmetic(verb, key, delta, false)),
    storeMany: (items, expire, noreply) => (noreply ? either((d) => d.storeMany(items, expire, true)) : text.storeMany(items, expire, false)),
    removeMany: (keys, noreply) => (noreply ? either((d) => d.removeMany(keys, true)) : text.removeMany(keys, false)),
  };
}
