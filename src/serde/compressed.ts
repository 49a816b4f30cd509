import * as zlib from 'node:zlib';
import { MemcacheIllegalInputError, MemcacheSerdeError } from '../errors.js';
import { describeKey } from '../protocol/keys.js';
import { FLAG_BROTLI, FLAG_COMPRESSED, FLAG_ZSTD } from './flags.js';
import type { Serde, Serialized } from './types.js';

/** The compressors `serde.compressed` can write. */
export type Compressor = 'zlib' | 'brotli' | 'zstd';

/** Options of `serde.compressed`. */
export interface CompressedSerdeOptions {
  /** Compress only serialized values at least this long (bytes). Default 400, pymemcache's break-even. */
  readonly minLength?: number;
  /** Compression level (zlib 0–9, brotli 0–11, zstd 1–22); the library default when absent. */
  readonly level?: number;
  /** Which compressor writes: `zlib` (flag 8, read by pymemcache), `brotli` (1024) or `zstd` (2048). */
  readonly compressor?: Compressor;
  /** Largest decompressed size accepted; a bigger result fails the read. Default 64 MiB. */
  readonly maxDecompressedLength?: number;
}

interface Codec {
  readonly flag: number;
  compress(data: Uint8Array, level: number | undefined): Buffer;
  decompress(data: Buffer, maxOutputLength: number): Buffer;
}

// zstd exists only on newer Node releases; look it up at run time rather than assuming it.
type ZstdFn = (data: Uint8Array, options?: object) => Buffer;
const zstd = zlib as unknown as { zstdCompressSync?: ZstdFn; zstdDecompressSync?: ZstdFn; constants: Record<string, number> };

const CODECS: Record<Compressor, Codec> = {
  zlib: {
    flag: FLAG_COMPRESSED,
    compress: (data, level) => zlib.deflateSync(data, level === undefined ? {} : { level }),
    decompress: (data, maxOutputLength) => zlib.inflateSync(data, { maxOutputLength }),
  },
  brotli: {
    flag: FLAG_BROTLI,
    compress: (data, level) =>
      zlib.brotliCompressSync(data, level === undefined ? {} : { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } }),
    decompress: (data, maxOutputLength) => zlib.brotliDecompressSync(data, { maxOutputLength }),
  },
  zstd: {
    flag: FLAG_ZSTD,
    compress: (data, level) => zstdFn('zstdCompressSync')(data, level === undefined ? {} : { params: { [zstd.constants['ZSTD_c_compressionLevel'] ?? 100]: level } }),
    decompress: (data, maxOutputLength) => zstdFn('zstdDecompressSync')(data, { maxOutputLength }),
  },
};

/** True when the running Node can compress with zstd. */
export const zstdAvailable = typeof zstd.zstdCompressSync === 'function';

function zstdFn(name: 'zstdCompressSync' | 'zstdDecompressSync'): ZstdFn {
  const fn = zstd[name];
  if (fn === undefined) throw new MemcacheSerdeError(`this Node.js (${process.version}) has no zstd; it arrived in Node 22.15/23.8`);
  return fn;
}

/**
 * Wraps a serde with compression, like pymemcache's `CompressedSerde`: the serialized value is
 * compressed when it is at least `minLength` bytes and the result is smaller, and its flag bit says so.
 * Reading undoes any of the three compressions (zlib bit 8 — readable by pymemcache — brotli 1024,
 * zstd 2048), bounded by `maxDecompressedLength`, then hands the rest to the inner serde.
 *
 * @example
 * ```ts
 * const client = new Client('localhost:11211', { serde: serde.compressed(serde.python(), { minLength: 400 }) });
 * ```
 */
export function compressed<V>(inner: Serde<V>, options: CompressedSerdeOptions = {}): Serde<V> {
  const codec = CODECS[options.compressor ?? 'zlib'];
  if (codec === undefined) throw new MemcacheIllegalInputError(`unknown compressor ${String(options.compressor)}`);
  if (options.compressor === 'zstd' && !zstdAvailable) zstdFn('zstdCompressSync');
  const minLength = options.minLength ?? 400;
  const maxOutputLength = options.maxDecompressedLength ?? 64 * 1024 * 1024;
  const allBits = FLAG_COMPRESSED | FLAG_BROTLI | FLAG_ZSTD;
  return {
    serialize(key, value): Serialized {
      const plain = inner.serialize(key, value);
      if (plain.flags & allBits) throw new MemcacheIllegalInputError(`the inner serde used a compression flag bit (${plain.flags})`);
      if (plain.value.length < minLength) return plain;
      const packed = codec.compress(plain.value, options.level);
      return packed.length < plain.value.length ? { value: packed, flags: plain.flags | codec.flag } : plain;
    },
    deserialize(key, bytes, flags) {
      const bit = flags & allBits;
      if (bit === 0) return inner.deserialize(key, bytes, flags);
      const used = Object.values(CODECS).find((c) => c.flag === bit);
      if (used === undefined) throw new MemcacheSerdeError(`${describeKey(key)} has several compression bits set (${flags})`);
      let unpacked: Buffer;
      try {
        unpacked = used.decompress(bytes, maxOutputLength);
      } catch (cause) {
        if (cause instanceof MemcacheSerdeError) throw cause;
        throw new MemcacheSerdeError(`${describeKey(key)} holds corrupt or oversized compressed data (flags ${flags})`, { cause });
      }
      return inner.deserialize(key, unpacked, flags & ~bit);
    },
  };
}
