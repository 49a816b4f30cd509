import type { Request, WirePart } from '../protocol/request.js';

/**
 * How a command becomes OpenTelemetry's database semantic-convention fields (`CommandTrace`). Kept apart
 * from the tracer so the naming rules sit in one place, with the convention text they follow.
 */

/** `server.address` and `server.port` of one server, computed once per server. */
export interface ServerFields {
  readonly 'server.address': string;
  readonly 'server.port'?: number;
}

/**
 * From a server's name (`host:port`, IPv6 unbracketed as in `::1:11211`, or a socket path): a UNIX socket
 * is its path and has no port ("server.address: … or Unix domain socket name"). `socket`: the name is a
 * socket path, whatever it looks like (a relative path such as `run/mc:1` reads like `host:port`).
 */
export function serverFields(server: string, socket = server.startsWith('/')): ServerFields {
  const match = socket ? null : /^(.+):([0-9]{1,5})$/.exec(server);
  if (match === null) return { 'server.address': server };
  return { 'server.address': match[1] as string, 'server.port': Number(match[2]) };
}

/** Batch requests (several operations of one kind in one request), by request name → the operation. */
const BATCHES: Readonly<Record<string, string>> = { setMany: 'set', deleteMany: 'delete', ms: 'ms', md: 'md' };

/** A memcached command word as `rawCommand` may start with one; anything else is just `raw`. */
const COMMAND_WORD = /^[a-z_]{1,32}(?= |\r|$)/i;

/** `db.operation.name` and, for a batch of two or more, `db.operation.batch.size`. */
export interface OperationFields {
  readonly 'db.operation.name': string;
  readonly 'db.operation.batch.size'?: number;
}

/**
 * The wire command. "A database call is not a batch operation solely because one operation accepts
 * multiple operands, such as keys … including Redis MGET": a multi-key `get` stays `get`. `setMany` and
 * `deleteMany` send one command per key: a batch, named `BATCH <op>`, only when it holds two or more.
 */
export function operationFields(request: Request<unknown>): OperationFields {
  const keys = request.keys ?? 1;
  const batched = BATCHES[request.name];
  if (batched !== undefined) {
    return keys >= 2 ? { 'db.operation.name': `BATCH ${batched}`, 'db.operation.batch.size': keys } : { 'db.operation.name': batched };
  }
  if (request.name === 'raw') return { 'db.operation.name': rawWord(request.parts[0]) };
  return { 'db.operation.name': request.name };
}

function rawWord(line: string | Uint8Array | undefined): string {
  if (line === undefined) return 'raw';
  const head = typeof line === 'string' ? line.slice(0, 40) : Buffer.from(line.subarray(0, 40)).toString('latin1');
  return COMMAND_WORD.exec(head)?.[0] ?? 'raw';
}

/** What a server said, by our error code: the convention's `db.response.status_code`. */
const STATUS_BY_CODE: Readonly<Record<string, string>> = {
  MEMCACHE_UNKNOWN_COMMAND: 'ERROR',
  MEMCACHE_CLIENT_ERROR: 'CLIENT_ERROR',
  MEMCACHE_SERVER_ERROR: 'SERVER_ERROR',
};

/** `error.type` and, when the server answered with an error line, `db.response.status_code`. */
export interface ErrorFields {
  readonly 'error.type': string;
  readonly 'db.response.status_code'?: string;
}

/**
 * "When error.type is set to a type (e.g., an exception type), its canonical class name … SHOULD be
 * used": our error classes' names (`MemcacheTimeoutError`, …) are few and stable; `_OTHER` otherwise.
 */
export function errorFields(error: unknown): ErrorFields {
  if (!(error instanceof Error)) return { 'error.type': '_OTHER' };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const status = code === undefined ? undefined : STATUS_BY_CODE[code];
  return status === undefined ? { 'error.type': error.name } : { 'error.type': error.name, 'db.response.status_code': status };
}

/**
 * The command lines as sent, for `db.query.text`: keys and numbers, never a data block (values are the
 * parameters the conventions say to leave out). Lines are joined with `; ` (the conventions' batch
 * separator) and cut at `maxLength` characters, so a 10,000-key batch costs no more than that.
 */
export function queryText(parts: readonly WirePart[], maxLength: number): string {
  let text = '';
  for (const part of parts) {
    if (typeof part !== 'string') continue;
    for (const line of part.split('\r\n')) {
      if (line === '') continue;
      // Lines are latin1 wire strings: keys given as UTF-8 read back as written.
      const shown = Buffer.from(line, 'latin1').toString('utf8');
      text = text === '' ? shown : `${text}; ${shown}`;
      if (text.length > maxLength) return `${text.slice(0, maxLength)}…`;
    }
  }
  return text;
}
