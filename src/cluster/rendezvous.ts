import type { Hasher, Ring, RingNode } from './hasher.js';
import { codePointBytes, murmur3Blocks, murmur3Finish } from './murmur3.js';

/** Options for {@link rendezvousHasher}. */
export interface RendezvousOptions {
  /** MurmurHash3 seed, as pymemcache's `RendezvousHash(seed=...)`. An integer; default 0. */
  readonly seed?: number;
}

/** A node with the hash of `${name}-` already absorbed, so a lookup only hashes the key. */
interface Scorer {
  readonly name: string;
  /** State after the whole 4-byte blocks of the prefix. */
  readonly state: number;
  /** The 0–3 prefix bytes left over after those blocks. */
  readonly rest: Uint8Array;
  /** Prefix length in pymemcache bytes (code points). */
  readonly length: number;
}

/** Room in front of the key bytes in the scratch buffer for a node's 0–3 leftover prefix bytes. */
const LEAD = 3;

function scorerFor(name: string, seed: number): Scorer {
  const prefix = `${name}-`;
  const bytes = new Uint8Array(prefix.length);
  const length = codePointBytes(prefix, bytes, 0);
  const rounded = length & ~3;
  return { name, state: murmur3Blocks(seed, bytes, 0, rounded), rest: bytes.slice(rounded, length), length };
}

/** Python's `str` order (by code point); differs from JS `<` only for astral vs U+E000–U+FFFF. */
function greaterName(a: string, b: string): string {
  const len = Math.min(a.length, b.length);
  for (let i = 0; i < len; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x > y ? a : b;
    if (x > 0xffff) i++;
  }
  return a.length >= b.length ? a : b;
}

/** Builds the lookup over fixed scorers; one scratch buffer per ring keeps lookups allocation-free. */
function ringOver(scorers: readonly Scorer[]): Ring {
  let scratch = new Uint8Array(LEAD + 64);
  const keyBytes = (key: string | Uint8Array): number => {
    // Code-point bytes never outnumber UTF-16 units, and a byte key is copied one for one.
    if (scratch.length < LEAD + key.length) scratch = new Uint8Array(2 * (LEAD + key.length));
    if (typeof key === 'string') return codePointBytes(key, scratch, LEAD);
    scratch.set(key, LEAD);
    return key.length;
  };
  return {
    nodeFor(key: string | Uint8Array): string | undefined {
      if (scorers.length === 0) return undefined;
      const keyLength = keyBytes(key);
      const end = LEAD + keyLength;
      let best = -1;
      let winner: string | undefined;
      for (const s of scorers) {
        // Lay the node's leftover prefix bytes right before the key: `${name}-${key}` resumed mid-block.
        const start = LEAD - s.rest.length;
        scratch.set(s.rest, start);
        const rounded = start + ((end - start) & ~3);
        const score = murmur3Finish(murmur3Blocks(s.state, scratch, start, rounded), scratch, rounded, end, s.length + keyLength);
        if (score > best) {
          best = score;
          winner = s.name;
        } else if (score === best && winner !== undefined) {
          winner = greaterName(s.name, winner);
        }
      }
      return winner;
    },
  };
}

/**
 * Rendezvous (highest-random-weight) hashing, placement-compatible with pymemcache's
 * `RendezvousHash` (the default of its `HashClient`): each node scores a key as
 * `murmur3_32(`${name}-${key}`, seed)` (see {@link murmur3_32} for pymemcache's per-code-point
 * byte quirk), the highest score wins, and an exact tie goes to the greatest node name, so the
 * answer does not depend on node order. Weights are ignored, as pymemcache ignores them.
 * Removing a node moves only its own keys; adding one moves only the keys it wins (≈ 1/N).
 *
 * A `Uint8Array` key is placed as its Latin-1 string (byte b ↦ U+00bb), i.e. by its raw bytes.
 * pymemcache would format a Python `bytes` key as its repr (`b'...'`), so Python bytes keys do not
 * land where the same bytes land here — the same str/bytes split pymemcache has with itself. Use
 * string keys when Python and TypeScript clients must agree.
 *
 * @example
 * ```ts
 * const ring = rendezvousHasher()([
 *   { name: '127.0.0.1:11211', host: '127.0.0.1', port: 11211, weight: 1 },
 *   { name: '127.0.0.1:11212', host: '127.0.0.1', port: 11212, weight: 1 },
 *   { name: '127.0.0.1:11213', host: '127.0.0.1', port: 11213, weight: 1 },
 * ]);
 * ring.nodeFor('foo'); // '127.0.0.1:11213', as pymemcache's HashClient picks
 * ```
 */
export function rendezvousHasher(options: RendezvousOptions = {}): Hasher {
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`rendezvous seed must be an integer, got ${String(seed)}`);
  // ToInt32 is reduction mod 2^32, which is what pymemcache's final `& 0xffffffff` amounts to.
  const seed32 = seed | 0;
  return (nodes: readonly RingNode[]): Ring => ringOver(nodes.map((n) => scorerFor(n.name, seed32)));
}
