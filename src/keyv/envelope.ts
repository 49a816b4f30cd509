/** The tail Keyv's default serializer (`@keyv/serialize`) gives an entry with a TTL: `…,"expires":<ms>}`. */
const SERIALIZED_EXPIRES = /"expires":(\d{1,16})\}$/;

/**
 * When the entry Keyv stored expires (Unix ms), if it says so: Keyv wraps each value as
 * `{ value, expires }` and serializes that (by default to JSON, where `expires` comes last). Only the
 * outermost `expires` can end the string: one inside the value is followed by the value's own `}`.
 * Undefined for entries without a TTL and for formats this does not know (custom serializers,
 * compression); for those, `has()` follows memcached's own expiry, which is up to 2 s later.
 *
 * @example
 * ```ts
 * keyvExpires('{"value":"bar","expires":1767225600000}'); // 1767225600000
 * keyvExpires('{"value":"bar"}');                          // undefined
 * ```
 */
export function keyvExpires(stored: unknown): number | undefined {
  if (typeof stored === 'string') {
    const match = SERIALIZED_EXPIRES.exec(stored);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  }
  if (typeof stored === 'object' && stored !== null && 'expires' in stored) {
    const { expires } = stored;
    return typeof expires === 'number' ? expires : undefined;
  }
  return undefined;
}
