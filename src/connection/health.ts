import type { MemcacheError } from '../errors.js';

/**
 * A connection's state, as `client.health$` emits it. `since` is the scheduler's clock (epoch ms in
 * production) at the moment the state began.
 *
 * - `connecting`: a socket is being opened (or the TLS handshake is running).
 * - `up`: commands flow.
 * - `down`: no socket. `error` says why when it was lost or never made; it is absent before the first
 *   command (connections open lazily) and after `close()`.
 *
 * @example
 * ```ts
 * client.health$.subscribe((h) => console.log(h.state, h.state === 'down' ? h.error?.message : ''));
 * ```
 */
export type ConnectionHealth =
  | { readonly state: 'connecting'; readonly since: number }
  | { readonly state: 'up'; readonly since: number }
  | {
      readonly state: 'down';
      readonly since: number;
      readonly error?: MemcacheError;
      /**
       * The loss says the server is failing: the client now backs off before the next attempt (the
       * connection never worked), or commands already sent on it failed. Absent for a loss the next
       * command rides over at once (an idle connection closed, a first blip on a fresh one).
       */
      readonly failed?: true;
    };
