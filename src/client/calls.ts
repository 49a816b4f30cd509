import type { CommandInfo } from '../commands/spec.js';
import type { Stored } from '../commands/definitions.js';
import type { Dialect } from '../commands/dialect.js';
import type { RoutedKey } from '../cluster/routed-key.js';
import { mapRequest, type Call, type Split } from '../executor/call.js';
import type { ValueFrame } from '../protocol/frames.js';
import type { Request } from '../protocol/request.js';
import type { Codec } from './codec.js';

/**
 * The shapes a command's call can take, each built once here: one key, a batch of keys (split by
 * server and joined back), every server. The surface (`memcache-client.ts`) picks the shape per command.
 */

/**
 * A one-key call. `miss` makes it a read: the result of a miss, also what ignoreExc resolves to; a
 * result is a miss when it is `miss` itself, or when `missed` says so.
 */
export function keyCall<T>(info: CommandInfo, key: RoutedKey, request: Request<T>, miss?: T, missed?: (result: T) => boolean): Call<T> {
  if (miss === undefined && !info.read) return { info, keys: [key], request };
  return { info, keys: [key], request, miss: () => miss as T, missed: missed ?? ((result) => result === miss) };
}

/** A call to every server, or, given a key, to that key's server only. */
export function serverCall<T>(info: CommandInfo, request: Request<T>, miss?: () => T, key?: RoutedKey): Call<T> {
  return { info, keys: key === undefined ? [] : [key], request, ...(miss === undefined ? {} : { miss }) };
}

/** A one-key retrieval: the decoded hit, or undefined. */
export function readCall<V, T>(
  info: CommandInfo,
  codec: Codec<V>,
  key: RoutedKey,
  verb: 'get' | 'gets' | 'gat' | 'gats',
  expire: string | undefined,
  read: (frame: ValueFrame) => T,
): Call<T | undefined> {
  const request = codec.wire.retrieve(verb, [codec.key(key)], expire);
  return keyCall(info, key, mapRequest(request, (frames) => (frames[0] === undefined ? undefined : read(frames[0]))), undefined);
}

/**
 * A batch retrieval: the hits by the caller's keys. Under ignoreExc an item the serde cannot read is a
 * miss for its key alone.
 */
export function readManyCall<V, K extends RoutedKey, T>(
  info: CommandInfo,
  codec: Codec<V>,
  keys: readonly K[],
  verb: 'get' | 'gets',
  read: (key: K, frame: ValueFrame) => T,
): Call<Map<K, T>> {
  const wireKeys = keys.map((key) => codec.key(key));
  const byWire = new Map<string, K>();
  for (let i = 0; i < keys.length; i++) byWire.set(wireKeys[i] as string, keys[i] as K);
  return new ReadMany(info, keys, wireKeys, byWire, verb, read, codec.ignoreExc, codec.wire);
}

/**
 * One batch read (or one server's part of it). A class, not an object of closures: a batch is built
 * per call, and its parts only when a cluster splits it.
 */
class ReadMany<K extends RoutedKey, T> implements Call<Map<K, T>>, Split<Map<K, T>> {
  readonly request: Request<Map<K, T>>;
  readonly split = this;

  constructor(
    readonly info: CommandInfo,
    readonly keys: readonly K[],
    /** The wire form of each of `keys`, by index. */
    private readonly wireKeys: readonly string[],
    private readonly byWire: ReadonlyMap<string, K>,
    private readonly verb: 'get' | 'gets',
    private readonly read: (key: K, frame: ValueFrame) => T,
    private readonly lenient: boolean,
    private readonly wire: Dialect,
  ) {
    this.request = mapRequest(wire.retrieveEach(verb, byWire), (frames) => this.hits(frames));
  }

  miss(): Map<K, T> {
    return new Map();
  }

  part(indexes: readonly number[]): Call<Map<K, T>> {
    const keys = indexes.map((i) => this.keys[i] as K);
    const wireKeys = indexes.map((i) => this.wireKeys[i] as string);
    const byWire = new Map<string, K>();
    for (let i = 0; i < keys.length; i++) byWire.set(wireKeys[i] as string, keys[i] as K);
    return new ReadMany(this.info, keys, wireKeys, byWire, this.verb, this.read, this.lenient, this.wire);
  }

  join(parts: ReadonlyArray<Map<K, T>>): Map<K, T> {
    if (parts.length === 1) return parts[0] as Map<K, T>;
    const out = new Map<K, T>();
    for (const part of parts) for (const [k, v] of part) out.set(k, v);
    return out;
  }

  missing(result: Map<K, T>): number[] {
    return this.keys.flatMap((k, i) => (result.has(k) ? [] : [i]));
  }

  private hits(frames: readonly ValueFrame[]): Map<K, T> {
    const out = new Map<K, T>();
    for (const frame of frames) {
      const key = this.byWire.get(frame.key) as K;
      try {
        out.set(key, this.read(key, frame));
      } catch (error) {
        if (!this.lenient) throw error;
      }
    }
    return out;
  }
}

/** A batch of sets: resolves to the caller's keys that were not stored. */
export function storeManyCall<K extends RoutedKey>(wire: Dialect, info: CommandInfo, keys: readonly K[], items: readonly Stored[], expire: string, noreply: boolean): Call<K[]> {
  const build = (indexes: readonly number[] | undefined): Call<K[]> => {
    const picked = indexes === undefined ? keys : indexes.map((i) => keys[i] as K);
    const some = indexes === undefined ? items : indexes.map((i) => items[i] as Stored);
    const request = mapRequest(wire.storeMany(some, expire, noreply), (failed) => failed.map((i) => picked[i] as K));
    return { info, keys: picked, request, split: { part: (sub) => build(indexes === undefined ? sub : sub.map((i) => indexes[i] as number)), join: (parts) => parts.flat() } };
  };
  return build(undefined);
}

/** A batch of deletes: true once every server processed its share. */
export function deleteManyCall(wire: Dialect, info: CommandInfo, keys: readonly RoutedKey[], wireKeys: readonly string[], noreply: boolean): Call<boolean> {
  const build = (indexes: readonly number[] | undefined): Call<boolean> => {
    const picked = indexes === undefined ? keys : indexes.map((i) => keys[i] as RoutedKey);
    const some = indexes === undefined ? wireKeys : indexes.map((i) => wireKeys[i] as string);
    const request = mapRequest(wire.removeMany(some, noreply), () => true);
    return { info, keys: picked, request, split: { part: (sub) => build(indexes === undefined ? sub : sub.map((i) => indexes[i] as number)), join: () => true } };
  };
  return build(undefined);
}
