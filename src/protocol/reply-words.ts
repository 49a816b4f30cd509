import type { Frame } from './frames.js';

// The first words that decide what a reply line is (protocol.txt: "Error strings", "Retrieval command",
// and the meta protocol's "VA").

const SPACE = 32;
const COLON = 58;

/** Starts a retrieval reply's header line. */
export const VALUE_PREFIX = Buffer.from('VALUE ', 'latin1');
/** Starts a meta-protocol value block's header line. */
export const VA_PREFIX = Buffer.from('VA ', 'latin1');
/** The error words, each alone or followed by a message. */
export const ERROR_WORD = Buffer.from('ERROR', 'latin1');
export const CLIENT_ERROR_WORD = Buffer.from('CLIENT_ERROR', 'latin1');
export const SERVER_ERROR_WORD = Buffer.from('SERVER_ERROR', 'latin1');

// A byte loop: for prefixes this short it beats Buffer#compare, which crosses into C++.
/** True when `line` begins with `prefix`. */
export function startsWith(line: Buffer, prefix: Buffer): boolean {
  if (line.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (line[i] !== prefix[i]) return false;
  return true;
}

/** The word alone, or followed by a space or a colon and a message (memcached sends `ERROR: shutdown not enabled`). */
export function isErrorWord(line: Buffer, word: Buffer): boolean {
  if (!startsWith(line, word)) return false;
  const next = line[word.length];
  return next === undefined || next === SPACE || next === COLON;
}

/** An error frame: the type, the message after the word (read from `line`), and the line to keep. */
export function errorFrame(type: 'ERROR' | 'CLIENT_ERROR' | 'SERVER_ERROR', line: Buffer, wordLength: number, kept: Buffer): Frame {
  const message = line.length > wordLength ? line.toString('latin1', wordLength + 1).trimStart() : '';
  return { kind: 'error', type, message, line: kept };
}
