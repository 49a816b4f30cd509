import { ITEM_OVERHEAD } from '../protocol/numbers.js';

/** memcached's default `-I`: the largest item, key and overhead included. */
export const DEFAULT_ITEM_SIZE_MAX = 1024 * 1024;

/**
 * Items larger than this are stored in chunks by memcached 1.6.18 (`slab_chunk_max`: half its 1 MiB slab
 * page, whatever `-I` says), and a chunked item is never a number to incr/decr. Probed: under key "n" a
 * 524228-byte value increments and a 524229-byte one is "non-numeric".
 */
export const SLAB_CHUNK_MAX = 512 * 1024;

/**
 * Bytes memcached charges for an item (`item_make_header` + the cas unique): key, value and
 * numbers.ts ITEM_OVERHEAD, 4 of which (the stored flags) only for non-zero flags.
 *
 * @example
 * ```ts
 * itemSize(1, 1_048_516, 0); // 1048576: the largest value under a 1-byte key, flags 0, at -I 1m
 * ```
 */
export function itemSize(keyLength: number, valueLength: number, flags: number): number {
  return keyLength + valueLength + ITEM_OVERHEAD - (flags === 0 ? 4 : 0);
}
