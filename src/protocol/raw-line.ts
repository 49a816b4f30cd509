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
 * rawLine('mg key v q', false); // throws: a quiet command may send no reply
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
  const refused = outOfStep(Buffer.from(line.buffer, line.byteOffset, line.length).toString('latin1').split(' '));
  if (refused !== undefined) throw new MemcacheIllegalInputError(`rawCommand ${describeKey(command)}: ${refused}`);
  return line;
}

const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas', 'ms']);
const META = new Set(['mg', 'ms', 'md', 'ma']);

/**
 * Why a line would put the connection out of step, if it would: its reply is read as the next frames,
 * so a line the server may not answer (`noreply`, a quiet meta flag `q`) would take a later command's
 * reply, and a storage line makes the server read the next command as its data block.
 */
function outOfStep(tokens: readonly string[]): string | undefined {
  const [verb = ''] = tokens;
  if (STORAGE.has(verb)) return 'a storage command needs a data block, which one line cannot carry (memcached would read the next command as its data)';
  if (tokens.length > 1 && tokens.at(-1) === 'noreply') return 'noreply: the server sends no reply, so a later command’s reply would be taken for it';
  // The key is tokens[1]; the flags follow (`mg <key> <flags>*`).
  if (META.has(verb) && tokens.slice(2).includes('q')) return 'the quiet flag q: the server may send no reply, so a later command’s reply would be taken for it';
  return undefined;
}
