import type { MemcacheError } from '../errors.js';

/**
 * A connection's state, as `client.health$` emits it. `since` is the scheduler's clock (epoch ms in
 * production) at the moment the state began.
 *
 * - `idle`: no connection yet: connections open with the first command.
 * - `connecting`: a socket is being opened (or the TLS handshake is running).
 * - `up`: commands flow. With `protocol: 'auto'`, `protocol` says which protocol the server was found
 *   to speak (absent while it is being asked).
 * - `down`: no socket. `error` says why when it was lost or never made; it is absent when the server
 *   closed an idle connection, and after `close()`.
 *
 * @example
 * ```ts
 * client.health$.subscribe((h) => console.log(h.state, h.state === 'down' ? h.error?.message : ''));
 * ```
 */
export type ConnectionHealth =
  | { readonly state: 'idle'; readonly since: number }
  | { readonly state: 'connecting'; readonly since: number }
  | { readonly state: 'up'; readonly since: number; readonly protocol?: 'text' | 'meta' }
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
