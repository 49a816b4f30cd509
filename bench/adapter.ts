// The one small interface every benchmarked client is wrapped behind, plus the
// result shapes that a child process reports back to the parent.

export const CLIENT_NAMES = ['rxmemcache', 'rxmemcache-text', 'rxmemcache-meta', 'rxmemcache-pool1', 'rxmemcache-pool2', 'rxmemcache-pool4', 'memjs', 'memcached', 'memcache-client'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

/** rxmemcache's own rows (Client, and PooledClient of 1, 2 and 4 connections): never a "peer". */
export function isOurs(name: ClientName): boolean {
  return name.startsWith('rxmemcache');
}

export function isClientName(s: string): s is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(s);
}

/** What a get may resolve to. Buffer is a Uint8Array, so Buffer values fit. */
export type Value = Uint8Array | string | undefined;

export interface Adapter {
  readonly name: ClientName;
  /** Caveats printed under the table (emulation, value encoding, ...). */
  readonly notes: readonly string[];
  /** True when getMany is not a native multi-get (memjs). */
  readonly getManyEmulated: boolean;
  /**
   * True when the client cannot store Buffers faithfully; the bench then uses
   * printable-ASCII values, which the adapter sends as latin1 strings of the
   * same length (3rd-Eden memcached).
   */
  readonly asciiValues: boolean;
  get(key: string): PromiseLike<Value>;
  /** Always a store with a reply (never noreply). */
  set(key: string, value: Buffer): PromiseLike<unknown>;
  /** A noreply store, resolved when the client says it is done (absent: the client has none). */
  setNoreply?(key: string, value: Buffer): PromiseLike<unknown>;
  getMany(keys: string[]): PromiseLike<unknown>;
  close(): PromiseLike<unknown> | void;
}

export type WorkloadId = 'get1' | 'get100' | 'set100' | 'setq100' | 'getMany' | 'large';

export interface WorkloadResult {
  /** Operations (or getMany calls) completed in the measured phase. */
  ops: number;
  /** Operations that were planned; ops < target means the time cap hit. */
  target: number;
  seconds: number;
  /** Gets that found nothing (should be 0; the keys were all set first). */
  misses: number;
  p50Us?: number;
  p99Us?: number;
  error?: string;
}

export interface ChildResult {
  client: ClientName;
  error?: string;
  notes: string[];
  getManyEmulated: boolean;
  workloads: Partial<Record<WorkloadId, WorkloadResult>>;
  /** process.resourceUsage().maxRSS of the child, in KiB. */
  maxRssKiB?: number;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}
