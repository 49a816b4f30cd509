import { BehaviorSubject, type Observable, type SchedulerLike, type Subscription } from 'rxjs';
import {
  MemcacheConnectionError,
  MemcachePoolTimeoutError,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
  type MemcacheError,
} from '../errors.js';
import { Client } from '../client/client.js';
import type { ClientOptions } from '../client/options.js';
import { PooledClient } from '../pool/pooled-client.js';
import type { PoolOptions } from '../pool/pool-options.js';
import { endpointLabel, parseServerSpec, type ServerSpec } from '../client/server-spec.js';
import type { ConnectionHealth } from '../connection/health.js';
import type { Executor } from '../executor/executor.js';
import type { RingNode } from './hasher.js';
import type { ServerHealth } from './server-health.js';

/** What each server's client is built from: `Client` options, and the pool's when `usePooling` is on. */
export type NodeClientOptions = ClientOptions<unknown> & PoolOptions & { readonly usePooling?: boolean };

/** pymemcache's lifecycle knobs, in milliseconds. */
export interface LifecycleSettings {
  readonly retryAttempts: number;
  readonly retryTimeout: number;
  readonly deadTimeout: number;
  readonly scheduler: SchedulerLike;
}

/**
 * Failures that say something about the server's reachability, not about one request. A command that
 * timed out waiting for a pooled connection never reached the server: the client was busy, not the server.
 */
export function isConnectivityFailure(error: unknown): error is MemcacheError {
  if (error instanceof MemcachePoolTimeoutError) return false;
  return error instanceof MemcacheConnectionError || error instanceof MemcacheTimeoutError || error instanceof MemcacheUnexpectedCloseError;
}

/**
 * One server of a HashClient: its client, and the only writer of its health subject. Its connection's
 * failures and its commands' answers move it along the lifecycle; failures within one `retryTimeout`
 * window count as one incident.
 */
export class ServerNode {
  readonly name: string;
  readonly ringNode: RingNode;
  /** The server's client; its calls arrive already built by the HashClient. */
  readonly client: Client<unknown>;
  private readonly subject: BehaviorSubject<ServerHealth>;
  /** This server's health, replayed to late subscribers; completes once removed. */
  readonly health$: Observable<ServerHealth>;
  private probeTimer: Subscription | undefined;
  /** The client's connection state, to tell a server that went silent from a client that was busy. */
  private connection: ConnectionHealth['state'] = 'down';
  private readonly watching: Subscription;

  constructor(
    spec: ServerSpec,
    weight: number,
    options: NodeClientOptions,
    private readonly lifecycle: LifecycleSettings,
  ) {
    const endpoint = parseServerSpec(spec);
    this.name = endpointLabel(endpoint);
    const tcp = endpoint.kind === 'tcp';
    this.ringNode = { name: this.name, host: tcp ? endpoint.host : endpoint.path, port: tcp ? endpoint.port : undefined, weight };
    this.client = options.usePooling === true ? new PooledClient<unknown>(spec, options) : new Client<unknown>(spec, options);
    this.subject = new BehaviorSubject<ServerHealth>({ state: 'up', since: lifecycle.scheduler.now() });
    this.health$ = this.subject.asObservable();
    // One health mechanism: the server's failures are its connection's, as the connection judges them
    // (once per loss that matters, with the reason; see ConnectionHealth `failed`). Command errors are not
    // consulted. Successes are answers, which the router reports.
    this.watching = this.client.health$.subscribe((h) => {
      this.connection = h.state;
      if (h.state === 'down' && h.failed === true && h.error !== undefined) this.failed(h.error);
    });
  }

  /** What runs this server's calls. */
  get executor(): Executor {
    return this.client.executor;
  }

  get health(): ServerHealth {
    return this.subject.getValue();
  }

  /** Why a command must not be sent now (failing within retryTimeout, dead, removed), or undefined. */
  refusal(): MemcacheError | undefined {
    const h = this.health;
    if (h.state === 'up') return undefined;
    if (h.state === 'failing') {
      const wait = h.since + this.lifecycle.retryTimeout - this.lifecycle.scheduler.now();
      return wait > 0 ? new MemcacheConnectionError(`${this.name} is failing; next try in ${Math.ceil(wait)} ms`, { cause: h.error }) : undefined;
    }
    return new MemcacheConnectionError(`${this.name} is ${h.state}`, h.state === 'dead' ? { cause: h.error } : {});
  }

  /** A command got an answer: the server is reachable. */
  succeeded(): void {
    if (this.health.state === 'failing') this.set({ state: 'up', since: this.lifecycle.scheduler.now() });
  }

  /**
   * The connection failed (see ConnectionHealth `failed`); connectivity failures move the server along
   * its lifecycle. A deadline that passed while the connection stayed up is never one: the command waited
   * on this process (an event-loop stall fails every queued command at once, on every server) or on one
   * slow reply. A server that goes silent has its connection dropped, and that counts.
   */
  failed(error: unknown): void {
    if (!isConnectivityFailure(error)) return;
    if (error instanceof MemcacheTimeoutError && this.connection === 'up') return;
    const h = this.health;
    const now = this.lifecycle.scheduler.now();
    if (h.state === 'up') this.fail(1, error, now);
    else if (h.state === 'failing' && now - h.since >= this.lifecycle.retryTimeout) this.fail(h.attempts + 1, error, now);
  }

  /** Takes the server out for good: health `removed`, timers stopped, connection drained. */
  remove(): Promise<void> {
    this.probeTimer?.unsubscribe();
    this.watching.unsubscribe();
    if (this.health.state !== 'removed') this.set({ state: 'removed', since: this.lifecycle.scheduler.now() });
    this.subject.complete();
    return this.client.close();
  }

  private fail(attempts: number, error: MemcacheError, now: number): void {
    if (attempts >= Math.max(1, this.lifecycle.retryAttempts)) this.die(error, now);
    else this.set({ state: 'failing', since: now, attempts, error });
  }

  private die(error: MemcacheError, now: number): void {
    // A failed probe keeps the server dead since it died: `since` is when the state began.
    const h = this.health;
    this.set({ state: 'dead', since: h.state === 'dead' ? h.since : now, error });
    this.probeTimer?.unsubscribe();
    this.probeTimer = this.lifecycle.scheduler.schedule(() => this.probe(), this.lifecycle.deadTimeout);
  }

  /** After deadTimeout: a cheap `version` decides; only an answer brings the server back. */
  private probe(): void {
    this.probeTimer = undefined;
    if (this.health.state !== 'dead') return;
    this.client.version().subscribe({
      next: () => {
        if (this.health.state === 'dead') this.set({ state: 'up', since: this.lifecycle.scheduler.now() });
      },
      error: (error: unknown) => {
        if (this.health.state !== 'dead') return;
        const cause = isConnectivityFailure(error) ? error : new MemcacheConnectionError(`probe of ${this.name} failed`, { cause: error });
        this.die(cause, this.lifecycle.scheduler.now());
      },
    });
  }

  private set(health: ServerHealth): void {
    this.subject.next(health);
  }
}
