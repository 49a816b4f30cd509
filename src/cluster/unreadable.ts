import type { CasResult } from '../client/client.js';
import type { ClientOptions } from '../client/options.js';
import { fromFunctions } from '../serde/legacy.js';
import type { Serde } from '../serde/types.js';

/**
 * What a HashClient's server clients read for an item their serde cannot decode, under ignoreExc. A
 * server's batch then still succeeds, and the HashClient turns only that key into a miss, as a plain
 * `Client` does; an exception would have failed the whole server's share.
 */
export class Unreadable {
  constructor(readonly cause: unknown) {}
}

/**
 * The serde a HashClient gives its server clients: the caller's (a `serde`, the legacy functions, or the
 * default, chosen as `Client` chooses), reading undecodable items as `Unreadable` under ignoreExc.
 */
export function memberSerde<V>(options: ClientOptions<V>, ignoreExc: boolean): Serde<V | Unreadable> {
  const serde = options.serde ?? fromFunctions(options.serializer, options.deserializer);
  if (!ignoreExc) return serde;
  return {
    // Writes come from HashClient methods typed with V; an Unreadable is never written.
    serialize: (key, value) => serde.serialize(key, value as V),
    deserialize: (key, bytes, flags) => {
      try {
        return serde.deserialize(key, bytes, flags);
      } catch (cause) {
        return new Unreadable(cause);
      }
    },
  };
}

/** The value, or the miss when the item was unreadable. */
export function readable<T, M>(value: T | Unreadable, miss: () => M): T | M {
  return value instanceof Unreadable ? miss() : value;
}

/** A `gets` result, or the miss when the item was unreadable. */
export function readableCas<T, C, M>(result: CasResult<T | Unreadable, C>, miss: () => M): CasResult<T, C> | M {
  return result.value instanceof Unreadable ? miss() : (result as CasResult<T, C>);
}

/** Whether a value was read (not `Unreadable`). */
export function isReadable<T>(value: T | Unreadable): value is T {
  return !(value instanceof Unreadable);
}
