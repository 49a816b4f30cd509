import { startFakeServer, type FakeServer } from './fake-server.js';

/**
 * A FAKE meta-protocol memcached, only for desyncs a real server never produces. It answers `mg`, `ms`,
 * `md`, `mn` and a one-key `get` from a small in-memory store, like memcached 1.6.18 (the opaque and the return flags
 * asked for echoed), and lets a test rewrite the replies of one connection before they are sent.
 *
 * On a connection that `script` covers, replies are held until `script.batch` requests have arrived,
 * so every one of them is in flight when the first (possibly rewritten) reply reaches the client.
 */
export interface MetaRequest {
  readonly verb: string;
  readonly key: string;
  readonly opaque: string;
  /** The honest reply, CRLFs included. */
  readonly reply: string;
}

export interface MetaScript {
  /** How many requests to hold the replies for. */
  readonly batch: number;
  /** The bytes sent instead of the honest replies. */
  readonly rewrite: (requests: readonly MetaRequest[]) => string;
}

export interface Item {
  readonly data: string;
  readonly flags: string;
}

export interface MetaFakeServer extends FakeServer {
  /** The store, by key as sent on the wire: the data and the client flags (`F`). */
  readonly items: Map<string, Item>;
}

/** Starts the FAKE server; `scripts[i]` rewrites connection i (none: honest). */
export async function startMetaFakeServer(scripts: ReadonlyArray<MetaScript | undefined>): Promise<MetaFakeServer> {
  const items = new Map<string, Item>();
  const pending: string[] = [];
  const held: MetaRequest[][] = [];
  const server = await startFakeServer((socket, data, connection) => {
    pending[connection] = (pending[connection] ?? '') + data;
    const requests = (held[connection] ??= []);
    for (;;) {
      const taken = takeRequest(pending[connection] ?? '', items);
      if (taken === undefined) break;
      pending[connection] = (pending[connection] ?? '').slice(taken.used);
      requests.push(taken.request);
    }
    const script = scripts[connection];
    if (script === undefined) {
      socket.write(requests.splice(0).map((r) => r.reply).join(''), 'latin1');
    } else if (requests.length >= script.batch) {
      socket.write(script.rewrite(requests.splice(0, script.batch)), 'latin1');
    }
  });
  return Object.assign(server, { items });
}

/** The next whole request in `buf` (an `ms` with its data block), answered against `items`. */
function takeRequest(buf: string, items: Map<string, Item>): { request: MetaRequest; used: number } | undefined {
  const nl = buf.indexOf('\r\n');
  if (nl === -1) return undefined;
  const [verb = '', ...rest] = buf.slice(0, nl).split(' ');
  if (verb === 'mn') return { request: { verb, key: '', opaque: '', reply: 'MN\r\n' }, used: nl + 2 };
  const key = rest[0] ?? '';
  const flags = verb === 'ms' ? rest.slice(2) : rest.slice(1);
  const opaque = flags.find((f) => f.startsWith('O'))?.slice(1) ?? '';
  const echo = opaque === '' ? '' : ` O${opaque}`;
  if (verb === 'ms') {
    const end = nl + 2 + Number(rest[1]);
    if (buf.length < end + 2) return undefined;
    items.set(key, { data: buf.slice(nl + 2, end), flags: flags.find((f) => f.startsWith('F'))?.slice(1) ?? '0' });
    return { request: { verb, key, opaque, reply: `HD${echo}\r\n` }, used: end + 2 };
  }
  const item = items.get(key);
  let reply: string;
  if (verb === 'mg') {
    if (item === undefined) reply = `EN${echo}\r\n`;
    else if (flags.includes('v')) reply = `VA ${item.data.length} f${item.flags}${echo}\r\n${item.data}\r\n`;
    else reply = `HD${echo}\r\n`;
  } else if (verb === 'md') {
    reply = items.delete(key) ? `HD${echo}\r\n` : `NF${echo}\r\n`;
  } else if (verb === 'get') {
    reply = `${item === undefined ? '' : `VALUE ${key} ${item.flags} ${item.data.length}\r\n${item.data}\r\n`}END\r\n`;
  } else reply = 'ERROR\r\n';
  return { request: { verb, key, opaque, reply }, used: nl + 2 };
}
