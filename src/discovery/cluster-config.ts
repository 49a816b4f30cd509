import { isIP } from 'node:net';
import { MemcacheClientError, MemcacheServerError, MemcacheUnknownCommandError, MemcacheUnknownError } from '../errors.js';

/** One node as a configuration endpoint lists it: `host|ip|port`. */
export interface ConfigNode {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
}

/** What `config get cluster` answered: the configuration's version and its nodes, in the order given. */
export interface ClusterConfig {
  readonly version: number;
  readonly nodes: readonly ConfigNode[];
}

/** The longest reply accepted: a cluster of hundreds of nodes fits many times over. */
export const MAX_CONFIG_REPLY = 1024 * 1024;

const HEADER = /^CONFIG cluster [0-9]+ ([0-9]+)$/;
const TRAILER = '\r\nEND\r\n';

/**
 * Reads an ElastiCache configuration endpoint's answer to `config get cluster`:
 *
 *     CONFIG cluster 0 <bytes>\r\n<version>\n<host>|<ip>|<port> <host>|<ip>|<port> …\n\r\nEND\r\n
 *
 * Returns undefined while the reply is incomplete. The body is read up to `\r\nEND\r\n` rather than by
 * its byte count, and split on any whitespace, so a count that does or does not include the last `\n`
 * reads the same.
 * @throws MemcacheUnknownCommandError when the server does not know the command (plain memcached);
 *   MemcacheClientError / MemcacheServerError for its error replies; MemcacheUnknownError for anything
 *   that is not a configuration, or one without nodes.
 */
export function parseClusterConfig(reply: Buffer): ClusterConfig | undefined {
  const eol = reply.indexOf('\r\n');
  if (eol < 0) return tooLong(reply);
  const header = reply.toString('latin1', 0, eol);
  if (header === 'ERROR') throw new MemcacheUnknownCommandError('the server does not know `config get cluster`: it is not an ElastiCache configuration endpoint');
  if (header.startsWith('CLIENT_ERROR')) throw new MemcacheClientError(header);
  if (header.startsWith('SERVER_ERROR')) throw new MemcacheServerError(header);
  if (!HEADER.test(header)) throw malformed(`unexpected reply ${JSON.stringify(header.slice(0, 64))}`);
  const end = reply.indexOf(TRAILER, eol + 2);
  if (end < 0) return tooLong(reply);
  const [version, ...entries] = reply.toString('latin1', eol + 2, end).split(/\s+/).filter((word) => word.length > 0);
  if (version === undefined || !/^[0-9]{1,15}$/.test(version)) throw malformed(`bad configuration version ${JSON.stringify(version ?? '')}`);
  // An empty cluster is no configuration to follow: taking every server away would fail every command.
  if (entries.length === 0) throw malformed(`configuration ${version} lists no nodes`);
  return { version: Number(version), nodes: entries.map(node) };
}

function node(entry: string): ConfigNode {
  const [host = '', ip = '', port = '', ...rest] = entry.split('|');
  const number = Number(port);
  if (rest.length > 0 || (host === '' && ip === '') || !/^[0-9]{1,5}$/.test(port) || number < 1 || number > 65535) {
    throw malformed(`bad node ${JSON.stringify(entry.slice(0, 128))}: expected host|ip|port`);
  }
  return { host, ip, port: number };
}

/**
 * A node as a server spec: its host name (what TLS verifies), or its IP when asked or when the name is
 * empty. IPv6 addresses are bracketed.
 */
export function nodeSpec(n: ConfigNode, address: 'host' | 'ip'): string {
  const chosen = address === 'ip' ? n.ip || n.host : n.host || n.ip;
  return isIP(chosen) === 6 ? `[${chosen}]:${n.port}` : `${chosen}:${n.port}`;
}

function tooLong(reply: Buffer): undefined {
  if (reply.length > MAX_CONFIG_REPLY) throw malformed(`reply longer than ${MAX_CONFIG_REPLY} bytes`);
  return undefined;
}

function malformed(what: string): MemcacheUnknownError {
  return new MemcacheUnknownError(`config get cluster: ${what}`);
}
