import type { SessionData } from 'express-session';
import { MemcacheSerdeError } from '../errors.js';

/**
 * How a session becomes the value stored in memcached and back. `V` is the client's value type: the
 * default (JSON text) needs a client that stores strings; give your own for any other client.
 *
 * @example
 * ```ts
 * const bytes: SessionSerializer<Uint8Array> = {
 *   stringify: (session) => Buffer.from(JSON.stringify(session), 'utf8'),
 *   parse: (value) => JSON.parse(Buffer.from(value).toString('utf8')) as SessionData,
 * };
 * ```
 */
export interface SessionSerializer<V> {
  /** The value to store for this session. */
  stringify(session: SessionData): V;
  /** The session a stored value holds. Throwing fails that one read with your error. */
  parse(value: V): SessionData;
}

/**
 * The default serializer: JSON, as UTF-8 text. It reads a string, or bytes another writer stored, and
 * refuses anything that is not a session object with a `cookie` (express-session would crash on it).
 *
 * @example
 * ```ts
 * const text = jsonSessionSerializer.stringify(req.session); // '{"cookie":{…},"user":"ada"}'
 * ```
 */
export const jsonSessionSerializer: SessionSerializer<unknown> = {
  stringify: (session) => JSON.stringify(session),
  parse(value) {
    const text = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : undefined;
    if (text === undefined) throw new MemcacheSerdeError(`a stored session must be JSON text, got ${typeof value}`);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new MemcacheSerdeError('a stored session is not valid JSON', { cause });
    }
    if (!isSession(data)) throw new MemcacheSerdeError('a stored session must be a JSON object with a cookie object');
    return data;
  },
};

function isSession(data: unknown): data is SessionData {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const { cookie } = data as { readonly cookie?: unknown };
  return typeof cookie === 'object' && cookie !== null;
}
