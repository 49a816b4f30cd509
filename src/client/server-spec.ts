import { isIP } from 'node:net';
import { MemcacheIllegalInputError } from '../errors.js';
import type { Endpoint } from '../connection/transport.js';

/**
 * Every way to name a server: `['host', port]`, `'host:port'`, `'host'` (port 11211), `'[::1]:port'`,
 * `'[::1]'`, a UNIX socket path (`'/run/memcached.sock'` or `'unix:/run/memcached.sock'`),
 * `{ host, port? }`, or `{ path }`.
 */
export type ServerSpec =
  | string
  | readonly [host: string, port: number]
  | { readonly host: string; readonly port?: number }
  | { readonly path: string };

/** memcached's registered port. */
export const DEFAULT_PORT = 11211;

/**
 * Normalises a server spec; anything unrecognised fails here, at construction, not at first use.
 * @throws MemcacheIllegalInputError describing the accepted forms.
 */
export function parseServerSpec(spec: ServerSpec): Endpoint {
  if (typeof spec === 'string') return parseString(spec);
  if (Array.isArray(spec)) {
    const [host, port] = spec as readonly unknown[];
    if (spec.length === 2 && typeof host === 'string') return tcp(host, port, spec);
  } else if (typeof spec === 'object' && spec !== null) {
    if ('path' in spec && typeof spec.path === 'string' && spec.path.length > 0) return { kind: 'unix', path: spec.path };
    if ('host' in spec && typeof spec.host === 'string') return tcp(spec.host, spec.port ?? DEFAULT_PORT, spec);
  }
  throw invalid(spec);
}

/** `host:port` (IPv6 without brackets, as pymemcache names nodes) or the socket path. */
export function endpointLabel(endpoint: Endpoint): string {
  return endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : endpoint.path;
}

function parseString(spec: string): Endpoint {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    if (path.length > 0) return { kind: 'unix', path };
  } else if (spec.startsWith('/')) {
    return { kind: 'unix', path: spec };
  } else if (spec.startsWith('[')) {
    const match = /^\[([0-9a-fA-F:.]+)\](?::([0-9]+))?$/.exec(spec);
    if (match !== null && isIP(match[1] ?? '') === 6) return tcp(match[1] as string, port(match[2]), spec);
  } else {
    const match = /^([^\s:/]+)(?::([0-9]+))?$/.exec(spec);
    if (match !== null) return tcp(match[1] as string, port(match[2]), spec);
  }
  throw invalid(spec);
}

function port(text: string | undefined): number {
  return text === undefined ? DEFAULT_PORT : Number(text);
}

function tcp(host: string, portValue: unknown, spec: unknown): Endpoint {
  const valid = typeof portValue === 'number' && Number.isInteger(portValue) && portValue > 0 && portValue < 65536;
  if (host.length === 0 || !valid || /\s/.test(host)) throw invalid(spec);
  return { kind: 'tcp', host, port: portValue };
}

function invalid(spec: unknown): MemcacheIllegalInputError {
  let shown: string;
  try {
    shown = JSON.stringify(spec) ?? String(spec);
  } catch {
    shown = String(spec);
  }
  return new MemcacheIllegalInputError(
    `unsupported server spec ${shown}: use ['host', port], 'host:port', 'host', '[::1]:port', '/path/to.sock', 'unix:/path', { host, port } or { path }`,
  );
}
