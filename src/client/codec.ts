import type { Stored } from '../commands/definitions.js';
import { storedKey, type RoutedKey } from '../cluster/routed-key.js';
import { MemcacheError, MemcacheIllegalInputError, MemcacheSerdeError } from '../errors.js';
import type { ValueFrame } from '../protocol/frames.js';
import { describeKey, wireKey, type Key, type KeyRules } from '../protocol/keys.js';
import { checkFlags, ITEM_OVERHEAD } from '../protocol/numbers.js';
import { rawLine } from '../protocol/raw-line.js';
import type { Serde, Serialized } from '../serde/types.js';
import type { ResolvedOptions } from './options.js';

/** What every write takes besides its key and value. */
export interface NoreplyOption {
  /** Don't wait for the server's answer. Default: the client's `defaultNoreply` (false for `cas`, incr and decr). */
  readonly noreply?: boolean;
}

/** Options of storage commands. */
export interface StoreOptions extends NoreplyOption {
  /** Seconds until expiry (0 = never; above 30 days it is a Unix time). Default 0. */
  readonly expire?: number;
  /** Client flags stored with the value; overrides the serde's. */
  readonly flags?: number;
}

/**
 * How a client turns the caller's keys and values into wire form and back: key rules and prefix, the
 * serde, the size limit and the noreply default. Everything here throws `MemcacheIllegalInputError`
 * (or the serde's error) before a byte is sent.
 */
export class Codec<V> {
  private readonly rules: KeyRules;

  constructor(
    readonly options: ResolvedOptions,
    readonly serde: Serde<V>,
  ) {
    this.rules = { prefix: options.prefix, allowUnicodeKeys: options.allowUnicodeKeys };
  }

  /** Reads that fail resolve as misses, and an unreadable item in a batch is a miss for its key alone. */
  get ignoreExc(): boolean {
    return this.options.ignoreExc;
  }

  /** The wire form of a caller's key (of a routed pair, the stored key), prefix applied, validated. */
  key(key: RoutedKey): string {
    return wireKey(storedKey(key), this.rules);
  }

  /** Validates a stats-style argument like a key, without the prefix. */
  word(word: string): string {
    return wireKey(word, { prefix: '', allowUnicodeKeys: false });
  }

  /** A raw command line's bytes (CR and LF refused). */
  line(command: string | Uint8Array): Uint8Array {
    return rawLine(command, this.options.allowUnicodeKeys);
  }

  /** noreply as asked, or the client's default. */
  noreply(options: NoreplyOption): boolean {
    return options.noreply ?? this.options.defaultNoreply;
  }

  /** A value ready for the wire: key, serialized bytes, flags, checked against `maxValueSize`. */
  item(key: RoutedKey, value: V, options: StoreOptions): Stored {
    const wire = this.key(key);
    const stored = storedKey(key);
    let serialized: Serialized;
    try {
      serialized = this.serde.serialize(stored, value);
    } catch (cause) {
      if (cause instanceof MemcacheError) throw cause;
      throw new MemcacheIllegalInputError(`the serde could not serialize the value for key ${describeKey(stored)}`, { cause });
    }
    // memcached refuses an item over its size limit *and drops the item already stored under the key*;
    // with noreply it does not even say so. The limit counts the key and a fixed overhead too.
    const { maxValueSize } = this.options;
    const room = maxValueSize - wire.length - ITEM_OVERHEAD;
    if (serialized.value.length > room) {
      throw new MemcacheIllegalInputError(
        `value for key ${describeKey(stored)} is ${serialized.value.length} bytes; with the key (${wire.length} bytes) and ` +
          `memcached's ${ITEM_OVERHEAD}-byte item overhead that is over maxValueSize (${maxValueSize}), so at most ${Math.max(room, 0)} bytes fit`,
      );
    }
    return { key: wire, data: serialized.value, flags: checkFlags(options.flags ?? serialized.flags) };
  }

  /** A stored item as the caller's value. @throws MemcacheSerdeError when the serde cannot read it. */
  decode(key: Key, frame: ValueFrame): V {
    try {
      return this.serde.deserialize(key, frame.value, frame.flags);
    } catch (cause) {
      if (cause instanceof MemcacheError) throw cause;
      throw new MemcacheSerdeError(`the serde could not read ${describeKey(key)} (flags ${frame.flags})`, { cause });
    }
  }
}
