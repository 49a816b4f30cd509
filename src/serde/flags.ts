/**
 * Client flag bits. The first five are python-memcached's and pymemcache's, so Python services read
 * what we write and the other way round; the rest are ours, chosen above bit 7 to stay clear of the
 * Python clients (pylibmc also uses bits 0–5).
 *
 * | flag | value | meaning |
 * |---|---|---|
 * | FLAG_BYTES | 0 | raw bytes |
 * | FLAG_PICKLE | 1 | a Python pickle (unreadable here) |
 * | FLAG_INTEGER | 2 | decimal ASCII integer |
 * | FLAG_LONG | 4 | decimal ASCII integer (Python 2 `long`) |
 * | FLAG_COMPRESSED | 8 | zlib-compressed, then the other bits apply |
 * | FLAG_TEXT | 16 | UTF-8 text |
 * | FLAG_JSON | 256 | UTF-8 JSON (`serde.json`) |
 * | FLAG_V8 | 512 | `node:v8` structured serialization (`serde.v8`) |
 * | FLAG_BROTLI | 1024 | brotli-compressed, then the other bits apply |
 * | FLAG_ZSTD | 2048 | zstd-compressed (where the running Node has zstd) |
 */
export const FLAG_BYTES = 0;
/** A Python pickle: Python-only, never executed here. */
export const FLAG_PICKLE = 1 << 0;
/** Decimal ASCII integer, as pymemcache stores `int`. */
export const FLAG_INTEGER = 1 << 1;
/** Decimal ASCII integer written by Python 2 for `long`. */
export const FLAG_LONG = 1 << 2;
/** zlib-compressed (python-memcached / pymemcache `CompressedSerde`). */
export const FLAG_COMPRESSED = 1 << 3;
/** UTF-8 text. */
export const FLAG_TEXT = 1 << 4;
/** UTF-8 JSON, written by `serde.json`. */
export const FLAG_JSON = 1 << 8;
/** `node:v8` structured serialization, written by `serde.v8`. */
export const FLAG_V8 = 1 << 9;
/** brotli-compressed, written by `serde.compressed(…, { compressor: 'brotli' })`. */
export const FLAG_BROTLI = 1 << 10;
/** zstd-compressed, written by `serde.compressed(…, { compressor: 'zstd' })`. */
export const FLAG_ZSTD = 1 << 11;
