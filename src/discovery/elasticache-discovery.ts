import type { ConnectionOptions } from 'node:tls';
import { asyncScheduler, catchError, defer, distinctUntilChanged, EMPTY, exhaustMap, map, Subject, tap, timer, type Observable, type SchedulerLike } from 'rxjs';
import { endpointLabel, parseServerSpec, type ServerSpec } from '../client/server-spec.js';
import { socketTransport, type Endpoint, type Transport } from '../connection/transport.js';
import { MemcacheIllegalInputError } from '../errors.js';
import { nodeSpec } from './cluster-config.js';
import { fetchClusterConfig } from './fetch-config.js';

/** Options of `ElastiCacheDiscovery`. */
export interface ElastiCacheDiscoveryOptions {
  /** Milliseconds between polls; the first poll is made on subscription. Default 60,000. */
  readonly interval?: number;
  /** Milliseconds one poll may take, connecting included. Default 5,000. */
  readonly timeout?: number;
  /** Name each node by its host name (default; what TLS verifies) or by its IP address. */
  readonly address?: 'host' | 'ip';
  /** TLS to the configuration endpoint: Node TLS options, or `true` for the defaults. */
  readonly tls?: ConnectionOptions | true;
  /** Where polls are timed. Default `asyncScheduler`; a `TestScheduler` in marble tests. */
  readonly scheduler?: SchedulerLike;
  /** Makes the transport to the endpoint (tests pass a fake one). Default: a socket. */
  readonly connect?: (endpoint: Endpoint) => Transport;
}

/**
 * A poll that failed. The servers in use stay as they were (`servers`: the last list emitted, empty if
 * none yet), and the next poll comes at the usual interval.
 */
export interface DiscoveryFailure {
  readonly type: 'discovery-failed';
  /** The configuration endpoint (`host:port`). */
  readonly endpoint: string;
  /** Why: a connection or timeout error, a refusal (`MemcacheUnknownCommandError` from plain memcached), or a bad reply. */
  readonly error: unknown;
  readonly servers: readonly string[];
}

/**
 * Follows an AWS ElastiCache (memcached) cluster through its configuration endpoint: polls
 * `config get cluster` every `interval` and emits the node list whenever the configuration's version or
 * its nodes change, as `servers$`, which `HashClient` takes as its servers. A failed poll emits nothing
 * on `servers$` (the cluster keeps its servers) and is reported on `failures$`.
 *
 * @example
 * ```ts
 * const discovery = new ElastiCacheDiscovery('my-cache.abc123.cfg.use1.cache.amazonaws.com:11211', { interval: 30_000 });
 * discovery.failures$.subscribe((f) => console.warn('discovery', f.error));
 * const cluster = new HashClient(discovery.servers$, { hasher: 'ketama' });
 * ```
 */
export class ElastiCacheDiscovery {
  /** The configuration endpoint as `host:port`. */
  readonly endpoint: string;
  /**
   * The cluster's servers (`host:port`), first after the first good poll, then on every change. Each
   * subscription polls on its own; unsubscribing stops it.
   */
  readonly servers$: Observable<readonly string[]>;
  /** Every failed poll of any subscription to `servers$`. */
  readonly failures$: Observable<DiscoveryFailure>;
  private readonly failures = new Subject<DiscoveryFailure>();

  constructor(configEndpoint: ServerSpec, options: ElastiCacheDiscoveryOptions = {}) {
    const endpoint = parseServerSpec(configEndpoint);
    this.endpoint = endpointLabel(endpoint);
    const interval = positive(options.interval, 60_000, 'interval');
    const deadline = positive(options.timeout, 5_000, 'timeout');
    const scheduler = options.scheduler ?? asyncScheduler;
    const address = options.address ?? 'host';
    if (address !== 'host' && address !== 'ip') throw new MemcacheIllegalInputError(`address must be 'host' or 'ip', got ${String(address)}`);
    const transport = options.connect?.(endpoint) ?? socketTransport(endpoint, { noDelay: true, keepAlive: false, tls: options.tls });
    this.failures$ = this.failures.asObservable();
    this.servers$ = defer(() => {
      let servers: readonly string[] = [];
      return timer(0, interval, scheduler).pipe(
        // A poll still running when the next is due (a slow endpoint) is not doubled up.
        exhaustMap(() =>
          fetchClusterConfig(transport, deadline, scheduler, this.endpoint).pipe(
            catchError((error: unknown) => {
              this.failures.next({ type: 'discovery-failed', endpoint: this.endpoint, error, servers });
              return EMPTY;
            }),
          ),
        ),
        map((config) => ({ version: config.version, servers: config.nodes.map((n) => nodeSpec(n, address)) })),
        distinctUntilChanged((a, b) => a.version === b.version && sameList(a.servers, b.servers)),
        tap((config) => (servers = config.servers)),
        map((config) => config.servers),
      );
    });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((server, i) => server === b[i]);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new MemcacheIllegalInputError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}
