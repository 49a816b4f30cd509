/**
 * incr/decr on a stored value, as memcached 1.6.18's `do_add_delta` does it: the value is read with C's
 * `strtoull` through memcached's `safe_strtoull`, the result is written back in place, space-padded to
 * the old length, when it fits, and as a new item otherwise.
 */

const U64 = 1n << 64n;
const I64_SIGN = 1n << 63n;

/** C `isspace` in the "C" locale. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || (byte !== undefined && byte >= 0x09 && byte <= 0x0d);
}

function isDigit(byte: number | undefined): byte is number {
  return byte !== undefined && byte >= 0x30 && byte <= 0x39;
}

/**
 * The number memcached reads from a stored value, or undefined where it answers "non-numeric value".
 *
 * strtoull skips leading whitespace, takes a sign and digits; safe_strtoull then accepts the parse when the
 * next byte is whitespace (the value's own CRLF counts, so the end of the value does) or a NUL, and at
 * least one digit was read. A minus sign is refused only when the result looks negative as a signed
 * 64-bit number ("-0" reads as 0, "-18446744073709551615" as 1), and then anywhere in the value up to its
 * first NUL, not just before the number ("9223372036854775808 -" is non-numeric): the server looks for it
 * with `strchr`. Where the value holds neither, that `strchr` runs on past the value into whatever memory
 * follows, as strtoull does over a value of only whitespace ({@link scansPastValue}); the store assumes
 * clean memory there.
 */
export function readCounter(value: Uint8Array): bigint | undefined {
  if (value.length === 0) return undefined; // memcached: "can't delta zero byte values"
  let i = 0;
  while (isSpace(value[i])) i++;
  let negative = false;
  if (value[i] === 0x2b || value[i] === 0x2d) negative = value[i++] === 0x2d;
  const digitsFrom = i;
  let magnitude = 0n;
  while (isDigit(value[i])) magnitude = magnitude * 10n + BigInt((value[i++] as number) - 0x30);
  if (i === digitsFrom) return undefined;
  const next = i < value.length ? value[i] : 0x0d; // past the value comes its "\r\n"
  if (!(isSpace(next) || next === 0)) return undefined;
  if (magnitude >= U64) return undefined; // ERANGE
  const result = negative ? (U64 - magnitude) % U64 : magnitude;
  if (result >= I64_SIGN && hasMinusBeforeNul(value)) return undefined;
  return result;
}

/** safe_strtoull's `strchr(str, '-')`: the C string ends at the first NUL. */
function hasMinusBeforeNul(value: Uint8Array): boolean {
  return minusOrNul(value) === 0x2d;
}

/** The first '-' or NUL byte of the value, if any. */
function minusOrNul(value: Uint8Array): number | undefined {
  for (const byte of value) if (byte === 0 || byte === 0x2d) return byte;
  return undefined;
}

/**
 * True when memcached 1.6.18's answer to incr/decr on this value depends on memory after the item, which
 * the store cannot know. Two cases, both found by the differential test:
 * - the value is all whitespace: strtoull skips it and the CRLF after it, and reads digits from whatever
 *   follows (a 1-byte " " under a 250-byte key incremented to 316, 401860, 4 in three runs); the store
 *   answers "non-numeric", as the server does when that memory is clean;
 * - the number reads as negative in signed 64 bits (at least 2^63), so the server looks for a minus sign
 *   with `strchr`, and the value holds neither a minus nor a NUL to stop it; the store does the
 *   arithmetic, as the server does when that memory holds no minus.
 */
export function scansPastValue(value: Uint8Array): boolean {
  if (value.length > 0 && value.every((byte) => isSpace(byte))) return true;
  const read = readCounter(value);
  return read !== undefined && read >= I64_SIGN && minusOrNul(value) === undefined;
}

/** incr wraps at 2^64; decr stops at 0 (protocol.txt, "Increment/Decrement"). */
export function applyDelta(current: bigint, delta: bigint, incr: boolean): bigint {
  if (incr) return (current + delta) % U64;
  return delta > current ? 0n : current - delta;
}

/**
 * The bytes of the new value, and whether memcached rewrites the item in place: it does when the
 * decimal result is no longer than the old value, padding the rest with spaces (so "100" decremented
 * by 1 reads "99 ").
 */
export function writeCounter(result: bigint, old: Uint8Array): { readonly bytes: Uint8Array; readonly inPlace: boolean } {
  const text = result.toString();
  if (text.length > old.length) return { bytes: Buffer.from(text, 'latin1'), inPlace: false };
  return { bytes: Buffer.from(text.padEnd(old.length, ' '), 'latin1'), inPlace: true };
}
