import type { Stored } from '../commands/definitions.js';
import { autoDialect, TEXT_DIALECT, type Dialect } from '../commands/dialect.js';
import { metaDialect } from '../commands/meta-dialect.js';
import { storedKey, type RoutedKey } from '../cluster/routed-key.js';
import { MemcacheError, MemcacheIllegalInputError, MemcacheSerdeError } from '../errors.js';
import type { ValueFrame } from '../protocol/frames.js';
import { describeKey, wireKey, type Key, type KeyRules } from '../protocol/keys.js';
import { checkFlags, ITEM_OVERHEAD } from '../protocol/numbers.js';
import { metaKey, type MetaKey } from '../protocol/meta-key.js';
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

/** Distinct opaque tokens before the counter wraps: far more than a connection ever has in flight. */
const OPAQUE_SPACE = 2 ** 32;

/**
 * How a client turns the caller's keys and values into wire form and back: key rules and prefix, the
 * serde, the size limit and the noreply default. Everything here throws `MemcacheIllegalInputError`
 * (or the serde's error) before a byte is sent.
 *
 * @example
 * ```ts
 * const wire = client.codec.key('user:1'); // 'app:user:1' with keyPrefix 'app:'
 * ```
 */
export class Codec<V> {
  private readonly rules: KeyRules;
  private opaques = 0;
  /** `protocol: 'auto'` on one server: it was last found to speak meta, so that form is built first. */
  private metaFound = false;

  /** The wire form of the classic commands, in the protocol the options name. */
  readonly wire: Dialect;

  constructor(
    readonly options: ResolvedOptions,
    readonly serde: Serde<V>,
  ) {
    this.rules = { prefix: options.prefix, allowUnicodeKeys: options.allowUnicodeKeys };
    const meta = (): Dialect => metaDialect(() => this.opaque());
    this.wire = options.protocol === 'meta' ? meta() : options.protocol === 'auto' ? autoDialect(meta(), () => this.metaFound) : TEXT_DIALECT;
  }

  /**
   * What `protocol: 'auto'` now believes of the client's one server, so that commands are built in that
   * form first (either form is still sent right: the executor builds the other when it must).
   */
  found(protocol: 'text' | 'meta' | undefined): void {
    this.metaFound = protocol === 'meta';
  }

  /** Reads that fail resolve as misses, and an unreadable item in a batch is a miss for its key alone. */
  get ignoreExc(): boolean {
    return this.options.ignoreExc;
  }

  /** The wire form of a caller's key (of a routed pair, the stored key), prefix applied, validated. */
  key(key: RoutedKey): string {
    return wireKey(storedKey(key), this.rules);
  }

  /** A key's meta-protocol form: a string as `key` makes it; bytes of any value, base64 with `b`. */
  metaKey(key: RoutedKey): MetaKey {
    return metaKey(storedKey(key), this.rules);
  }

  /**
   * The next opaque token for a meta request: a counter, as only requests in flight on one connection
   * at once must differ (at most 32 bytes; base 36 keeps it short).
   */
  opaque(): string {
    this.opaques = (this.opaques + 1) % OPAQUE_SPACE;
    return this.opaques.toString(36);
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
    return { key: wire, ...this.serialized(key, wire.length, value, options.flags) };
  }

  /** `item` for a meta command: the key in its meta form (binary keys base64-encoded). */
  metaItem(key: RoutedKey, value: V, flags: number | undefined): { readonly key: MetaKey; readonly data: Uint8Array; readonly flags: number } {
    const meta = this.metaKey(key);
    const length = meta.binary ? Buffer.byteLength(meta.token, 'base64') : meta.token.length;
    return { key: meta, ...this.serialized(key, length, value, flags) };
  }

  /**
   * The value serialized, with its flags, checked against `maxValueSize`. memcached refuses an item over
   * its size limit *and drops the item already stored under the key*; with noreply it does not even say
   * so. The limit counts the key (`keyLength` bytes) and a fixed overhead too.
   */
  private serialized(key: RoutedKey, keyLength: number, value: V, flags: number | undefined): { readonly data: Uint8Array; readonly flags: number } {
    const stored = storedKey(key);
    let serialized: Serialized;
    try {
      serialized = this.serde.serialize(stored, value);
    } catch (cause) {
      if (cause instanceof MemcacheError) throw cause;
      throw new MemcacheIllegalInputError(`the serde could not serialize the value for key ${describeKey(stored)}`, { cause });
    }
    const { maxValueSize } = this.options;
    const room = maxValueSize - keyLength - ITEM_OVERHEAD;
    if (serialized.value.length > room) {
      throw new MemcacheIllegalInputError(
        `value for key ${describeKey(stored)} is ${serialized.value.length} bytes; with the key (${keyLength} bytes) and ` +
          `memcached's ${ITEM_OVERHEAD}-byte item overhead that is over maxValueSize (${maxValueSize}), so at most ${Math.max(room, 0)} bytes fit`,
      );
    }
    return { data: serialized.value, flags: checkFlags(flags ?? serialized.flags) };
  }

  /** A stored item as the caller's value. @throws MemcacheSerdeError when the serde cannot read it. */
  decode(key: Key, frame: Pick<ValueFrame, 'value' | 'flags'>): V {
    try {
      return this.serde.deserialize(key, frame.value, frame.flags);
    } catch (cause) {
      if (cause instanceof MemcacheError) throw cause;
      throw new MemcacheSerdeError(`the serde could not read ${describeKey(key)} (flags ${frame.flags})`, { cause });
    }
  }
}
