/**
 * memcached 1.6.18's number parsing for command tokens (`safe_strtoull`, `safe_strtol`, `safe_strtoul`
 * in util.c): C's strtol family, then memcached's own checks. Our client only sends canonical numbers;
 * these decide what a `rawCommand` line with odd ones gets, the same answer the server gives.
 */

const U64 = 1n << 64n;
const I64_SIGN = 1n << 63n;

/** C `isspace` in the "C" locale. */
function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/**
 * strtol's reading of a token: leading whitespace, a sign, decimal digits, which must be followed by
 * whitespace or the token's end. Undefined when there are no digits or something else follows them.
 */
function strto(token: string): { readonly negative: boolean; readonly magnitude: bigint } | undefined {
  let i = 0;
  while (i < token.length && isSpace(token.charCodeAt(i))) i++;
  const sign = token[i];
  const negative = sign === '-';
  if (sign === '-' || sign === '+') i++;
  const from = i;
  while (i < token.length && token.charCodeAt(i) >= 0x30 && token.charCodeAt(i) <= 0x39) i++;
  if (i === from) return undefined;
  if (i < token.length && !isSpace(token.charCodeAt(i))) return undefined;
  return { negative, magnitude: BigInt(token.slice(from, i)) };
}

/**
 * `safe_strtoull`: an unsigned 64-bit number. strtoull negates a minus-signed number modulo 2^64; memcached
 * refuses the result only when it looks negative as a signed number ("-0" reads 0, "-1" is refused).
 */
export function parseU64(token: string): bigint | undefined {
  const read = strto(token);
  if (read === undefined || read.magnitude >= U64) return undefined; // ERANGE
  const value = read.negative ? (U64 - read.magnitude) % U64 : read.magnitude;
  return value >= I64_SIGN && read.negative ? undefined : value;
}

/**
 * `safe_strtoul` into a 32-bit unsigned out-parameter: strtoul (64-bit `unsigned long` on Linux), the
 * same minus-sign rule, then the C assignment keeps the low 32 bits.
 */
export function parseU32(token: string): number | undefined {
  const value = parseU64(token);
  return value === undefined ? undefined : Number(BigInt.asUintN(32, value));
}

/**
 * `safe_strtol` into a 32-bit signed out-parameter: strtol's 64-bit `long` (beyond it: ERANGE), then the
 * C assignment wraps it to 32 bits, as exptimes are (4000000000 becomes a negative, "expired", time).
 */
export function parseI32(token: string): number | undefined {
  const read = strto(token);
  if (read === undefined) return undefined;
  const value = read.negative ? -read.magnitude : read.magnitude;
  if (value < -I64_SIGN || value >= I64_SIGN) return undefined; // ERANGE
  return Number(BigInt.asIntN(32, value));
}
