import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A scripted FAKE memcached: a small in-memory emulation of the text protocol that can misbehave in
 * ways a REAL memcached never does. Use it only for those faults; every other fault runs against a real
 * memcached (through `fault-proxy.ts`). Without a fault it answers get/gets/set/add/replace/append/
 * prepend/delete/incr/decr/touch/mn/version/quit faithfully, so self-checking workloads stay valid.
 */
export type ScriptedFault =
  /** Every reply is replaced by bytes that are no protocol at all. */
  | 'garbage'
  /** Retrievals answer with a VALUE for a key nobody asked for. */
  | 'wrongKey'
  /** Retrievals declare a value of 99999999999 bytes. */
  | 'oversized'
  /** An unsolicited VALUE block arrives after each reply, once no request is pending. */
  | 'stray'
  /** noreply storage commands are answered with SERVER_ERROR (older servers did this). */
  | 'noreplyError'
  | 'none';

export interface ScriptedServer {
  readonly port: number;
  readonly spec: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly open: number;
  fault: ScriptedFault;
  close(): Promise<void>;
}

interface Item {
  readonly flags: number;
  readonly data: Buffer;
  readonly cas: number;
}

const CRLF = '\r\n';
const STORAGE = new Set(['set', 'add', 'replace', 'append', 'prepend', 'cas']);
const MAX_DATA = 8 * 1024 * 1024;
const STRAY = 'VALUE stray 16 5\r\nstray\r\nEND\r\n';

class Fake {
  readonly store = new Map<string, Item>();
  readonly sockets = new Set<Socket>();
  connections = 0;
  fault: ScriptedFault = 'none';
  private casCounter = 0;

  nextCas(): number {
    return ++this.casCounter;
  }
}

/** One client connection: buffers requests until whole, answers each batch in one write. */
function serve(fake: Fake, socket: Socket): void {
  let pending: Buffer = Buffer.alloc(0);
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    received++;
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    const replies: Buffer[] = [];
    for (;;) {
      const request = takeRequest(pending);
      if (request === undefined) break;
      if (request === 'invalid') return void socket.destroy();
      pending = pending.subarray(request.used);
      if (request.words[0] === 'quit') return void socket.end(Buffer.concat(replies));
      const reply = answer(fake, request.words, request.data);
      if (reply !== '') replies.push(Buffer.from(fake.fault === 'garbage' ? 'HELLO\x00WORLD\r\n' : reply, 'latin1'));
    }
    if (replies.length === 0) return;
    socket.write(Buffer.concat(replies));
    if (fake.fault !== 'stray') return;
    const mark = received;
    // Only when the client has sent nothing since: from its side no request is pending.
    setTimeout(() => {
      if (mark === received && !socket.destroyed) socket.write(STRAY, 'latin1');
    }, 2);
  });
}

/** The next whole request (line, plus the data block for storage commands), or undefined if incomplete. */
function takeRequest(buf: Buffer): { words: string[]; data: Buffer; used: number } | 'invalid' | undefined {
  const nl = buf.indexOf(CRLF);
  if (nl === -1) return buf.length > 4096 ? 'invalid' : undefined;
  const words = buf.toString('latin1', 0, nl).split(' ');
  if (!STORAGE.has(words[0] ?? '')) return { words, data: Buffer.alloc(0), used: nl + 2 };
  const length = Number(words[4]);
  if (!Number.isSafeInteger(length) || length < 0 || length > MAX_DATA) return 'invalid';
  const end = nl + 2 + length;
  if (buf.length < end + 2) return undefined;
  return { words, data: Buffer.from(buf.subarray(nl + 2, end)), used: end + 2 };
}

function answer(fake: Fake, words: string[], data: Buffer): string {
  const [verb = '', key = ''] = words;
  const noreply = words.at(-1) === 'noreply';
  const silent = (text: string): string => (noreply ? '' : text + CRLF);
  switch (verb) {
    case 'get':
    case 'gets':
      return retrieve(fake, words.slice(1), verb === 'gets');
    case 'incr':
    case 'decr':
      if (!/^\d+$/.test(words[2] ?? '')) return 'CLIENT_ERROR invalid numeric delta argument\r\n';
      return silent(arithmetic(fake, key, verb, BigInt(words[2] ?? '0')));
    case 'delete':
      return silent(fake.store.delete(key) ? 'DELETED' : 'NOT_FOUND');
    case 'touch':
      return silent(fake.store.has(key) ? 'TOUCHED' : 'NOT_FOUND');
    case 'mn':
      return 'MN\r\n';
    case 'version':
      return 'VERSION 1.6.0-scripted\r\n';
    default:
      if (!STORAGE.has(verb)) return 'ERROR\r\n';
      if (noreply && fake.fault === 'noreplyError') return 'SERVER_ERROR out of memory storing object\r\n';
      return silent(storeItem(fake, verb, key, Number(words[2]), data, words[5]));
  }
}

function retrieve(fake: Fake, keys: string[], withCas: boolean): string {
  const first = keys[0] ?? '';
  if (fake.fault === 'oversized') return `VALUE ${first} 0 99999999999\r\n`;
  if (fake.fault === 'wrongKey') return `VALUE ${first}-wrong 16 5\r\nwrong\r\nEND\r\n`;
  let out = '';
  for (const key of keys) {
    const item = fake.store.get(key);
    if (item === undefined) continue;
    const cas = withCas ? ` ${item.cas}` : '';
    out += `VALUE ${key} ${item.flags} ${item.data.length}${cas}\r\n${item.data.toString('latin1')}\r\n`;
  }
  return `${out}END\r\n`;
}

function storeItem(fake: Fake, verb: string, key: string, flags: number, data: Buffer, cas: string | undefined): string {
  const old = fake.store.get(key);
  const put = (bytes: Buffer, itemFlags: number): string => {
    fake.store.set(key, { flags: itemFlags, data: bytes, cas: fake.nextCas() });
    return 'STORED';
  };
  if (verb === 'set') return put(data, flags);
  if (verb === 'add') return old === undefined ? put(data, flags) : 'NOT_STORED';
  if (old === undefined) return verb === 'cas' ? 'NOT_FOUND' : 'NOT_STORED';
  if (verb === 'replace') return put(data, flags);
  if (verb === 'append') return put(Buffer.concat([old.data, data]), old.flags);
  if (verb === 'prepend') return put(Buffer.concat([data, old.data]), old.flags);
  return String(old.cas) === cas ? put(data, flags) : 'EXISTS';
}

function arithmetic(fake: Fake, key: string, verb: 'incr' | 'decr', delta: bigint): string {
  const item = fake.store.get(key);
  if (item === undefined) return 'NOT_FOUND';
  const text = item.data.toString('latin1');
  if (!/^\d+$/.test(text)) return 'CLIENT_ERROR cannot increment or decrement non-numeric value';
  const current = BigInt(text);
  const next = verb === 'incr' ? BigInt.asUintN(64, current + delta) : current > delta ? current - delta : 0n;
  fake.store.set(key, { flags: item.flags, data: Buffer.from(String(next), 'latin1'), cas: fake.nextCas() });
  return String(next);
}

/** Starts the FAKE server on 127.0.0.1, port 0. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const fake = new Fake();
  const server: Server = createServer((socket) => {
    fake.connections++;
    fake.sockets.add(socket);
    socket.setNoDelay(true); // Nagle would hold a small stray write until the client's delayed ACK
    socket.on('error', () => undefined);
    socket.on('close', () => fake.sockets.delete(socket));
    serve(fake, socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    spec: `127.0.0.1:${port}`,
    get connections() {
      return fake.connections;
    },
    get open() {
      return fake.sockets.size;
    },
    get fault() {
      return fake.fault;
    },
    set fault(next: ScriptedFault) {
      fake.fault = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of fake.sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
