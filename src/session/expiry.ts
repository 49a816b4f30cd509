import { EXPTIME_MAX } from '../protocol/numbers.js';

/**
 * memcached reads an exptime up to 30 days as seconds from now, and anything larger as a Unix time
 * (protocol.txt, "Expiration times"), so a longer lifetime must be sent as the moment it ends.
 */
const RELATIVE_LIMIT_S = 2_592_000;

/**
 * How long a session has left, in ms, by its cookie; `undefined` when the cookie sets no end (a browser
 * session cookie). `expires` is read first: it is absolute, an express-session cookie derives `maxAge`
 * from it anyway, and @fastify/session keeps `maxAge` as the configured length while `expires` moves.
 * After a JSON round trip `expires` is an ISO string.
 *
 * @example
 * ```ts
 * cookieLifetime({ expires: new Date(now + 1500), maxAge: 1500 }, now); // 1500
 * ```
 */
export function cookieLifetime(cookie: unknown, nowMs: number): number | undefined {
  if (typeof cookie !== 'object' || cookie === null) return undefined;
  const { expires, maxAge } = cookie as { readonly expires?: unknown; readonly maxAge?: unknown };
  const end = expires instanceof Date ? expires.getTime() : typeof expires === 'string' ? Date.parse(expires) : NaN;
  if (Number.isFinite(end)) return end - nowMs;
  return typeof maxAge === 'number' && Number.isFinite(maxAge) ? maxAge : undefined;
}

/**
 * The memcached exptime for a session with `lifetimeMs` left (the default `ttlSeconds` when its cookie
 * sets no end), or `null` when it has already ended. Milliseconds round up to whole seconds, so a
 * session never ends early; past 30 days the end is sent as a Unix time, capped at memcached's last
 * (2038-01-19), which it would otherwise store as already expired.
 *
 * @example
 * ```ts
 * sessionExptime(1500, now, 86400); // 2
 * sessionExptime(undefined, now, 86400); // 86400
 * ```
 */
export function sessionExptime(lifetimeMs: number | undefined, nowMs: number, ttlSeconds: number): number | null {
  if (lifetimeMs === undefined && ttlSeconds === 0) return 0; // 0 = never expires
  const ms = lifetimeMs ?? ttlSeconds * 1000;
  if (ms <= 0) return null;
  const seconds = Math.ceil(ms / 1000);
  if (seconds <= RELATIVE_LIMIT_S) return seconds;
  return Math.min(Math.ceil((nowMs + ms) / 1000), EXPTIME_MAX);
}
