/**
 * Ketama consistent hashing, point for point the ring of libmemcached's
 * `MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED` and of twemproxy with `hash: md5` + `distribution: ketama`, so a
 * key lands on the same server whichever of the three routes it.
 */
import { hash } from 'node:crypto';
import type { Hasher, Ring, RingNode } from './hasher.js';

/** libmemcached's MEMCACHED_POINTS_PER_SERVER_KETAMA: the point budget of an average server. */
const POINTS_PER_SERVER = 160;
/** Each MD5 digest yields four 32-bit points. */
const POINTS_PER_HASH = 4;
/** The port whose point names omit it (`host-i`), as libmemcached and twemproxy both do. */
const DEFAULT_PORT = 11211;

const f = Math.fround;

/**
 * How many points a server gets. libmemcached and twemproxy compute this in C `float`, and the float32
 * rounding is observable: weights [1,1,1,10,12] give the weight-1 servers 7.9999995 → 7 hashes (28
 * points), not 8, and 25 equal servers get 39 hashes each, not 40. Every step is therefore rounded to
 * float32; the `+ 1e-10` is a double in C, so it is added in double and rounded once more.
 *
 * @example
 * ```ts
 * ketamaPointCount(1, 25, 5); // 28, where double arithmetic would give 32
 * ketamaPointCount(1, 3, 3); // 160
 * ```
 */
export function ketamaPointCount(weight: number, totalWeight: number, live: number): number {
  const pct = f(f(weight) / f(totalWeight));
  const scaled = f(f(f(pct * POINTS_PER_SERVER) / POINTS_PER_HASH) * f(live));
  return Math.floor(f(scaled + 1e-10)) * POINTS_PER_HASH;
}

/**
 * The string hashed for a server's `i`-th group of points. The host is hashed as configured, never
 * resolved. A UNIX socket node (no port) hashes as `path-i`; libmemcached itself would use its port 0
 * (`path:0-i`), so rings with socket nodes are only self-consistent, not libmemcached-compatible.
 *
 * @example
 * ```ts
 * ketamaPointName({ name: '10.0.0.1:11211', host: '10.0.0.1', port: 11211, weight: 1 }, 0); // '10.0.0.1-0'
 * ketamaPointName({ name: 'cache:11300', host: 'cache', port: 11300, weight: 1 }, 7); // 'cache:11300-7'
 * ```
 */
export function ketamaPointName(node: RingNode, i: number): string {
  const host = node.host ?? node.name;
  return node.port === undefined || node.port === DEFAULT_PORT ? `${host}-${i}` : `${host}:${node.port}-${i}`;
}

/**
 * The key's position on the circle: the little-endian uint32 of the first four MD5 bytes.
 *
 * @example
 * ```ts
 * ketamaKeyHash('foo'); // 3675831724
 * ```
 */
export function ketamaKeyHash(key: string | Uint8Array): number {
  return md5(key).readUInt32LE(0);
}

function md5(data: string | Uint8Array): Buffer {
  // A string key is hashed as its UTF-8 bytes, which is what reaches the server on the wire.
  // The one-shot hash is about twice as fast as createHash() for inputs this small.
  return hash('md5', typeof data === 'string' ? Buffer.from(data, 'utf8') : data, 'buffer');
}

interface Point {
  readonly value: number;
  readonly server: number;
}

function buildPoints(nodes: readonly RingNode[]): Point[] {
  const total = nodes.reduce((sum, node) => sum + node.weight, 0);
  const points: Point[] = [];
  nodes.forEach((node, server) => {
    const hashes = ketamaPointCount(node.weight, total, nodes.length) / POINTS_PER_HASH;
    for (let i = 0; i < hashes; i++) {
      const digest = md5(ketamaPointName(node, i));
      for (let a = 0; a < POINTS_PER_HASH; a++) points.push({ value: digest.readUInt32LE(a * 4), server });
    }
  });
  // Ties go to the earlier server, as in libmemcached (twemproxy's qsort leaves them unspecified).
  return points.sort((x, y) => x.value - y.value || x.server - y.server);
}

class KetamaRing implements Ring {
  private readonly values: Uint32Array;
  private readonly owners: Uint16Array | Uint32Array;

  constructor(private readonly names: readonly string[], points: readonly Point[]) {
    this.values = Uint32Array.from(points, (p) => p.value);
    this.owners = names.length <= 0xffff ? Uint16Array.from(points, (p) => p.server) : Uint32Array.from(points, (p) => p.server);
  }

  nodeFor(key: string | Uint8Array): string | undefined {
    if (this.names.length <= 1) return this.names[0]; // libmemcached does not hash with one server
    const { values } = this;
    if (values.length === 0) return undefined;
    const h = ketamaKeyHash(key);
    // Lower bound: the first point at or clockwise after h; past the last point the circle wraps to 0.
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((values[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return this.names[this.owners[lo === values.length ? 0 : lo] as number];
  }
}

/**
 * The libmemcached/twemproxy-compatible Ketama hasher: MD5 keys, weighted points per live server,
 * lookup by lower bound on the circle. Build a new ring whenever the live set changes; the point
 * counts depend on the number of live servers.
 *
 * @example
 * ```ts
 * const ring = ketamaHasher()([
 *   { name: '10.0.0.1:11211', host: '10.0.0.1', port: 11211, weight: 1 },
 *   { name: '10.0.0.2:11211', host: '10.0.0.2', port: 11211, weight: 2 },
 * ]);
 * ring.nodeFor('user:42'); // '10.0.0.1:11211' or '10.0.0.2:11211', as libmemcached would pick
 * ```
 */
export function ketamaHasher(): Hasher {
  return (nodes) => new KetamaRing(nodes.map((n) => n.name), nodes.length <= 1 ? [] : buildPoints(nodes));
}
