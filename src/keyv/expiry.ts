/**
 * memcached's largest relative exptime: 30 days. A bigger number is read as a Unix time
 * (protocol.txt, "Expiration times"), so 31 days sent as-is would mean January 1970: expired at once.
 */
export const MAX_RELATIVE_EXPIRE = 2_592_000;

/** memcached 1.6 reads exptime as a signed 32-bit integer; from 2^31 up the item is stored already expired. */
const MAX_EXPIRE = 2_147_483_647;

/**
 * The memcached exptime for a Keyv TTL in milliseconds, read at `nowMs` (a Unix time in ms).
 *
 * - No TTL (undefined, 0, NaN, +Infinity) → 0: never expires, as Keyv means it.
 * - A negative TTL → -1: memcached drops the item at once (Keyv reads it as expired anyway).
 * - Otherwise whole seconds rounded up, plus one: memcached's clock ticks in whole seconds and an item
 *   with exptime 1 may vanish a few milliseconds after it was stored (1.6.18, measured: 170 ms), so
 *   `ceil` alone could drop it before its TTL. Keyv stores its own `expires` next to the value and
 *   checks it on every read, so the value is still gone for the caller at the exact millisecond; the
 *   extra second only bounds how long memcached keeps the bytes.
 * - Past 30 days, a Unix time (by this machine's clock), capped at 2^31-1 (2038-01-19).
 *
 * @example
 * ```ts
 * exptimeFor(1, Date.now());        // 2
 * exptimeFor(1500, Date.now());     // 3
 * exptimeFor(undefined, Date.now()); // 0
 * ```
 */
export function exptimeFor(ttlMs: number | undefined, nowMs: number): number {
  if (ttlMs === undefined || Number.isNaN(ttlMs) || ttlMs === 0 || ttlMs === Number.POSITIVE_INFINITY) return 0;
  if (ttlMs < 0) return -1;
  const seconds = Math.ceil(ttlMs / 1000) + 1;
  if (seconds <= MAX_RELATIVE_EXPIRE) return seconds;
  return Math.min(Math.floor(nowMs / 1000) + seconds, MAX_EXPIRE);
}
