/**
 * Binary keys of the meta commands (`b`), as memcached 1.6.18's base64.c reads and writes them. Its
 * decoder is lenient in ways a strict one is not, and the server's answers follow from them: bytes
 * outside the alphabet are skipped, the alphabet's characters (`=` included) must come in fours, and
 * decoding stops after the first group that holds padding. Keys are latin1 strings, one char per byte.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Each byte's 6-bit value; `=` reads as 0; -1 for bytes the decoder skips. */
const SEXTETS: readonly number[] = Array.from({ length: 256 }, (_, byte) => {
  if (byte === 0x3d) return 0;
  return ALPHABET.indexOf(String.fromCharCode(byte));
});

/**
 * The key `token` stands for, or undefined where memcached answers "error decoding key": no alphabet
 * characters, a count of them that is not a multiple of 4, or more than two `=` in the last group read.
 *
 * @example
 * ```ts
 * decodeKey('YWJj'); // 'abc'
 * decodeKey('YW'); // undefined
 * ```
 */
export function decodeKey(token: string): string | undefined {
  let counted = 0;
  for (let i = 0; i < token.length; i++) if ((SEXTETS[token.charCodeAt(i)] ?? -1) >= 0) counted++;
  if (counted === 0 || counted % 4 !== 0) return undefined;
  const out: number[] = [];
  const group: number[] = [];
  let pad = 0;
  for (let i = 0; i < token.length; i++) {
    const sextet = SEXTETS[token.charCodeAt(i)] ?? -1;
    if (sextet < 0) continue;
    if (token[i] === '=') pad++;
    group.push(sextet);
    if (group.length < 4) continue;
    const [a, b, c, d] = group as [number, number, number, number];
    out.push(((a << 2) | (b >> 4)) & 0xff, ((b << 4) | (c >> 2)) & 0xff, ((c << 6) | d) & 0xff);
    group.length = 0;
    if (pad === 0) continue;
    if (pad > 2) return undefined;
    out.length -= pad;
    break;
  }
  // memcached reports the decoded length, and a length of 0 is its failure value.
  return out.length === 0 ? undefined : String.fromCharCode(...out);
}

/**
 * How memcached writes a binary key back (`k` on an item stored with `b`): standard base64 with padding.
 *
 * @example
 * ```ts
 * encodeKey('abc'); // 'YWJj'
 * ```
 */
export function encodeKey(key: string): string {
  return Buffer.from(key, 'latin1').toString('base64');
}
