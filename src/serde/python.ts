import { MemcacheIllegalInputError, MemcacheSerdeError } from '../errors.js';
import { describeKey } from '../protocol/keys.js';
import { FLAG_BYTES, FLAG_INTEGER, FLAG_LONG, FLAG_PICKLE, FLAG_TEXT } from './flags.js';
import type { Serde } from './types.js';

/** What pymemcache's `python_memcache_serializer` can exchange with us: bytes, text and integers. */
export type PythonValue = string | Uint8Array | number | bigint;

/** Options of `serde.python`. */
export interface PythonSerdeOptions {
  /**
   * What to do with a Python pickle (flag 1), which JavaScript cannot read: `'error'` (default) fails
   * the read with `MemcacheSerdeError`; `'bytes'` returns the pickle's raw bytes. Nothing is ever unpickled.
   */
  readonly pickled?: 'error' | 'bytes';
}

/**
 * Byte-for-byte what pymemcache's `python_memcache_serializer` writes and reads: bytes with flag 0,
 * UTF-8 text with 16, integers as decimal ASCII with 2 (also `bigint`). Reads flag 4 (Python 2 `long`)
 * too. Integers beyond `Number.MAX_SAFE_INTEGER` come back as `bigint`. Floats and other objects are
 * rejected at `set` time: pymemcache would pickle them, which JavaScript cannot write.
 *
 * @example
 * ```ts
 * const shared = new Client('localhost:11211', { serde: serde.python() });
 * await shared.set('visits', 42);           // a Python service reads int 42
 * ```
 */
export function python(options: PythonSerdeOptions = {}): Serde<PythonValue> {
  const pickled = options.pickled ?? 'error';
  return {
    serialize(key, value) {
      if (typeof value === 'string') return { value: Buffer.from(value, 'utf8'), flags: FLAG_TEXT };
      if (value instanceof Uint8Array) return { value, flags: FLAG_BYTES };
      if (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value))) {
        return { value: Buffer.from(value.toString(), 'latin1'), flags: FLAG_INTEGER };
      }
      throw new MemcacheIllegalInputError(
        `serde.python stores strings, bytes and integers (safe integers or bigint); got ${describe(value)} for key ${describeKey(key)}`,
      );
    },
    deserialize(key, bytes, flags) {
      // pymemcache tests the bits in this order.
      if (flags === FLAG_BYTES) return bytes;
      if (flags & FLAG_TEXT) return decodeText(key, bytes);
      if (flags & (FLAG_INTEGER | FLAG_LONG)) return parseInteger(key, bytes);
      if (flags & FLAG_PICKLE) {
        if (pickled === 'bytes') return bytes;
        throw new MemcacheSerdeError(`${describeKey(key)} holds a Python pickle (flag 1), which JavaScript cannot read`);
      }
      throw new MemcacheSerdeError(`${describeKey(key)} has flags ${flags}, which serde.python does not know`);
    },
  };
}

// Fatal decoding: invalid UTF-8 is an error (as in Python), not silently replaced by U+FFFD.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeText(key: unknown, bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch (cause) {
    throw new MemcacheSerdeError(`${describeKey(key)} is flagged as text but is not valid UTF-8`, { cause });
  }
}

function parseInteger(key: unknown, bytes: Buffer): number | bigint {
  const text = bytes.toString('latin1');
  if (!/^-?[0-9]+$/.test(text)) throw new MemcacheSerdeError(`${describeKey(key)} is flagged as an integer but holds ${JSON.stringify(text.slice(0, 40))}`);
  const asNumber = Number(text);
  return Number.isSafeInteger(asNumber) ? asNumber : BigInt(text);
}

function describe(value: unknown): string {
  if (typeof value === 'number') return `the number ${value}`;
  return value === null ? 'null' : typeof value;
}
