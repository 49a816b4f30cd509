import { MemcacheIllegalInputError } from '../errors.js';

/** A key as callers pass it: text, or raw bytes. */
export type Key = string | Uint8Array;

/** memcached's text protocol limit on key length, in bytes (protocol.txt, "Keys"). */
export const MAX_KEY_LENGTH = 250;

/** How keys are turned into wire bytes for one client. */
export interface KeyRules {
  /** Already-encoded prefix (one char per byte). */
  readonly prefix: string;
  readonly allowUnicodeKeys: boolean;
}

/**
 * Validates a key and returns its wire form as a latin1 string: one char per byte, so building a command
 * line is string concatenation and `Buffer.from(line, 'latin1')` writes exactly these bytes.
 *
 * Rules: not empty; prefix + key at most 250 bytes; no byte 0x00–0x20 or 0x7F (whitespace and control
 * characters would split or end the command line); bytes above 0x7F only with `allowUnicodeKeys`
 * (strings are then UTF-8 encoded, and must be well-formed UTF-16: no lone surrogates).
 * @throws MemcacheIllegalInputError naming the key and the rule it broke.
 */
export function wireKey(key: Key, rules: KeyRules): string {
  if (typeof key === 'string') {
    if (key.length === 0) throw illegal(key, 'a key must not be empty');
    if (isPlainAscii(key)) return checkLength(rules.prefix + key, key);
    if (!rules.allowUnicodeKeys && !hasControl(key)) throw illegal(key, 'non-ASCII characters need allowUnicodeKeys');
    // UTF-8 encodes every lone surrogate as U+FFFD, so distinct keys would reach the same item.
    if (!isWellFormed(key)) throw illegal(key, 'a lone UTF-16 surrogate has no UTF-8 form');
    return checkBytes(Buffer.from(key, 'utf8'), key, rules);
  }
  if (!(key instanceof Uint8Array)) throw illegal(key, 'a key must be a string or a Uint8Array');
  return checkBytes(key, key, rules);
}

/** Validates a prefix once, at construction, with the same byte rules as keys. */
export function wirePrefix(prefix: Key | undefined, allowUnicodeKeys: boolean): string {
  if (prefix === undefined || prefix.length === 0) return '';
  return wireKey(prefix, { prefix: '', allowUnicodeKeys });
}

/**
 * True when every UTF-16 surrogate in `text` is half of a pair (what `String#isWellFormed` checks in
 * ES2024), i.e. when its UTF-8 form says exactly what it says.
 *
 * @example
 * ```ts
 * isWellFormed('😀'); // true
 * isWellFormed('acct\uD800'); // false
 * ```
 */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false; // a low surrogate with no high one before it
    const next = text.charCodeAt(i + 1); // NaN past the end
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** The fast path: printable ASCII only (0x21–0x7E). */
function isPlainAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

function hasControl(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

function checkBytes(bytes: Uint8Array, original: Key, rules: KeyRules): string {
  if (bytes.length === 0) throw illegal(original, 'a key must not be empty');
  for (const b of bytes) {
    if (b <= 0x20 || b === 0x7f) throw illegal(original, 'whitespace and control characters are not allowed');
    if (b >= 0x80 && !rules.allowUnicodeKeys) throw illegal(original, 'non-ASCII bytes need allowUnicodeKeys');
  }
  return checkLength(rules.prefix + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1'), original);
}

function checkLength(wire: string, original: Key): string {
  if (wire.length > MAX_KEY_LENGTH) {
    throw illegal(original, `longer than ${MAX_KEY_LENGTH} bytes with the key prefix (${wire.length})`);
  }
  return wire;
}

/** Shows a key in an error message without letting it break the message. */
export function describeKey(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key);
  if (key instanceof Uint8Array) return `<${Buffer.from(key.subarray(0, 30)).toString('hex')}${key.length > 30 ? '…' : ''}>`;
  return String(key);
}

function illegal(key: unknown, rule: string): MemcacheIllegalInputError {
  return new MemcacheIllegalInputError(`invalid key ${describeKey(key)}: ${rule}`);
}
