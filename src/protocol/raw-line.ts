import { MemcacheIllegalInputError } from '../errors.js';
import { describeKey, isWellFormed } from './keys.js';

/**
 * The bytes of a `rawCommand` line: strings as latin1 (one byte per char), or as UTF-8 when `utf8`.
 * @throws MemcacheIllegalInputError when the bytes would not be exactly this one line on the wire.
 *
 * @example
 * ```ts
 * rawLine('mg key v', false); // <Buffer 6d 67 20 6b 65 79 20 76>
 * rawLine('version\r\nflush_all', false); // throws: CR and LF are not allowed inside the line
 * ```
 */
export function rawLine(command: string | Uint8Array, utf8: boolean): Uint8Array {
  if (typeof command === 'string') {
    // latin1 would silently keep only the low byte of a wider char; UTF-8 would turn a lone surrogate into U+FFFD.
    if (utf8 ? !isWellFormed(command) : /[^\x00-\xff]/.test(command)) {
      throw new MemcacheIllegalInputError(
        `rawCommand ${describeKey(command)}: ${utf8 ? 'contains a lone UTF-16 surrogate' : 'characters above U+00FF need allowUnicodeKeys'}`,
      );
    }
  } else if (!(command instanceof Uint8Array)) {
    throw new MemcacheIllegalInputError('rawCommand needs a string or a Uint8Array');
  }
  const line = typeof command === 'string' ? Buffer.from(command, utf8 ? 'utf8' : 'latin1') : command;
  if (line.includes(0x0d) || line.includes(0x0a)) {
    throw new MemcacheIllegalInputError(`rawCommand ${describeKey(command)}: CR and LF are not allowed inside the line`);
  }
  return line;
}
