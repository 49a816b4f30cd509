/**
 * The routing contract: a hasher turns the live nodes into a ring, and the ring names the node that
 * owns a key. Rings are immutable; when the live set changes a new ring is built.
 */

/** One server as the ring sees it. */
export interface RingNode {
  /** pymemcache's node name: `host:port` (IPv6 without brackets) or the UNIX socket path. */
  readonly name: string;
  /** Host exactly as configured (not resolved), or undefined for a UNIX socket. */
  readonly host: string | undefined;
  /** TCP port, or undefined for a UNIX socket. */
  readonly port: number | undefined;
  /** Relative weight, a positive integer (1 unless configured). */
  readonly weight: number;
}

/** An immutable key → node mapping over a fixed set of nodes. */
export interface Ring {
  /**
   * The name of the node that owns `key`, or undefined when the ring is empty. `key` is the caller's
   * key (or routing key) without the client's key prefix.
   */
  nodeFor(key: string | Uint8Array): string | undefined;
}

/**
 * Builds a ring from the live nodes (in configuration order). Must be a pure function of its input:
 * the same nodes give the same ring.
 */
export type Hasher = (nodes: readonly RingNode[]) => Ring;
