import type { MemcacheError } from '../errors.js';

/**
 * One server's place in a HashClient's lifecycle. `since` is the scheduler's clock when the state began.
 *
 * - `up`: in the ring, commands flow.
 * - `failing`: a connection-level failure happened (refused, reset, connect timeout, unexpected close,
 *   dropped for silence; not a command timeout on a connection that stayed up). Still in the ring; for
 *   `retryTimeout` its commands fail fast, then the next one may try again. `attempts` counts failed
 *   tries; at `retryAttempts` the server becomes dead.
 * - `dead`: out of the ring, its keys route to the others; after `deadTimeout` a probe (`version`)
 *   decides whether it rejoins.
 * - `removed`: no longer configured (membership changed or the client closed).
 *
 * @example
 * ```ts
 * cluster.health$.subscribe((all) => all.forEach((h, name) => console.log(name, h.state)));
 * ```
 */
export type ServerHealth =
  | { readonly state: 'up'; readonly since: number }
  | { readonly state: 'failing'; readonly since: number; readonly attempts: number; readonly error: MemcacheError }
  | { readonly state: 'dead'; readonly since: number; readonly error: MemcacheError }
  | { readonly state: 'removed'; readonly since: number };

/** Whether a server in this state belongs in the ring. */
export function isLive(health: ServerHealth): boolean {
  return health.state === 'up' || health.state === 'failing';
}
