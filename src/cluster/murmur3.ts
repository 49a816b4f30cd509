/**
 * MurmurHash3 x86_32, bit-compatible with pymemcache's pure-Python `murmur3_32` (the hash behind its
 * `RendezvousHash`), so that a Python and a TypeScript client route the same key to the same server.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const N = 0xe6546b64;

/** One scrambled 32-bit lane: k1 · c1, rotl 15, · c2. */
function scramble(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

/**
 * Mixes the whole 4-byte little-endian blocks of `bytes[start, end)` into the running state `h`
 * and returns the new state. `end - start` must be a multiple of 4; the remainder goes to
 * {@link murmur3Finish}. Split out so a caller can hash a fixed prefix once and resume from it.
 *
 * @example
 * ```ts
 * const b = Uint8Array.of(0x61, 0x62, 0x63, 0x64, 0x65);
 * const h = murmur3Blocks(0, b, 0, 4);
 * murmur3Finish(h, b, 4, 5, 5) === murmur3_32(b); // true
 * ```
 */
export function murmur3Blocks(h: number, bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i += 4) {
    // noUncheckedIndexedAccess: indices are in range by construction; `| 0` keeps the math monomorphic.
    const k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) | 0;
    h ^= scramble(k);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + N) | 0;
  }
  return h;
}

/**
 * Mixes the 0–3 tail bytes `bytes[start, end)` into `h`, then the total `length`, then the
 * finaliser; returns the unsigned 32-bit hash.
 *
 * @example
 * ```ts
 * murmur3Finish(0, new Uint8Array(0), 0, 0, 0); // 0, the hash of ""
 * ```
 */
export function murmur3Finish(h: number, bytes: Uint8Array, start: number, end: number, length: number): number {
  let k = 0;
  for (let i = end - 1; i >= start; i--) k = (k << 8) | bytes[i]!;
  if (end > start) h ^= scramble(k);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Writes pymemcache's byte view of `text` into `out` from `offset` and returns the number of bytes
 * written (at most `text.length`). pymemcache hashes `ord(ch) & 0xff` per CODE POINT, so a
 * surrogate pair is one byte and non-Latin-1 text loses its high bits — reproduced on purpose.
 *
 * @example
 * ```ts
 * const out = new Uint8Array(8);
 * codePointBytes('a😀', out, 0); // 2: out starts 0x61, 0x00 (U+1F600 & 0xff)
 * ```
 */
export function codePointBytes(text: string, out: Uint8Array, offset: number): number {
  let n = offset;
  const len = text.length;
  // A manual surrogate walk instead of for…of: same code points, no per-character string objects.
  for (let i = 0; i < len; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < len) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (lo - 0xdc00) + 0x10000;
        i++;
      }
    }
    out[n++] = cp & 0xff;
  }
  return n - offset;
}

let scratch = new Uint8Array(256);

/**
 * MurmurHash3 x86_32 of `data` with `seed`, as an unsigned 32-bit integer.
 *
 * A `Uint8Array` is hashed as the bytes it holds. A `string` is hashed the way pymemcache's
 * pure-Python implementation hashes a `str`: one byte per Unicode code point (`codePoint & 0xff`)
 * and the code-point count as the length — NOT its UTF-8 bytes. So `'é'` (U+00E9) and `'ǩ'`
 * (U+01E9) collide, exactly as they do in pymemcache.
 *
 * @example
 * ```ts
 * murmur3_32('hello'); // 613153351
 * murmur3_32('6666', 10); // 2981722772
 * murmur3_32(Uint8Array.of(0x61)); // 1009084850, same as murmur3_32('a')
 * ```
 */
export function murmur3_32(data: string | Uint8Array, seed = 0): number {
  let bytes: Uint8Array;
  let length: number;
  if (typeof data === 'string') {
    // A string never yields more bytes than UTF-16 units, so this bound is safe.
    if (scratch.length < data.length) scratch = new Uint8Array(data.length * 2);
    length = codePointBytes(data, scratch, 0);
    bytes = scratch;
  } else {
    bytes = data;
    length = data.length;
  }
  const rounded = length & ~3;
  return murmur3Finish(murmur3Blocks(seed | 0, bytes, 0, rounded), bytes, rounded, length, length);
}
