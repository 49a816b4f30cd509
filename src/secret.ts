import { inspect } from 'node:util';

/**
 * Holders for secrets (the `auth` password and the bytes that carry it) that never show their content
 * when printed: not in `util.inspect` (at any depth, `showHidden` included), not in `JSON.stringify`,
 * not in `String()`. The secret lives in a `#private` field, which neither of them reads.
 */

const REDACTED = '[redacted]';

/**
 * Credentials for memcached's ASCII authentication. `password` is a getter on the prototype, so the
 * object still satisfies `{ username, password }` while printing as `Credentials { username: 'ada' }`.
 *
 * @example
 * ```ts
 * const auth = new Credentials('ada', 's3cret');
 * util.inspect(auth); // "Credentials { username: 'ada', password: '[redacted]' }"
 * JSON.stringify(auth); // '{"username":"ada","password":"[redacted]"}'
 * ```
 */
export class Credentials {
  readonly #password: string;

  constructor(
    /** Not treated as secret: error messages name it so a rejected login can be traced. */
    readonly username: string,
    password: string,
  ) {
    this.#password = password;
  }

  /** The password itself; read only where it is sent. */
  get password(): string {
    return this.#password;
  }

  /** What `JSON.stringify` writes. */
  toJSON(): { username: string; password: string } {
    return { username: this.username, password: REDACTED };
  }

  /** What `util.inspect` and `console.log` print. */
  [inspect.custom](): string {
    return `Credentials { username: ${JSON.stringify(this.username)}, password: '${REDACTED}' }`;
  }
}

/**
 * Bytes that carry a secret on the wire (the authentication data block). They are written like any
 * `Uint8Array`, but print as `SecretBytes(<length>)` instead of their content (a Buffer would print
 * them in hex). Arrays derived from them (`subarray`, `slice`) are `SecretBytes` too.
 *
 * @example
 * ```ts
 * const payload = new SecretBytes(Buffer.from('ada s3cret'));
 * util.inspect(payload); // 'SecretBytes(10)'
 * ```
 */
export class SecretBytes extends Uint8Array {
  /** What `String()` and template literals give (a plain Uint8Array would list every byte). */
  override toString(): string {
    return `SecretBytes(${this.length})`;
  }

  /** What `JSON.stringify` writes. */
  toJSON(): string {
    return `SecretBytes(${this.length})`;
  }

  /** What `util.inspect` and `console.log` print. */
  [inspect.custom](): string {
    return `SecretBytes(${this.length})`;
  }
}
