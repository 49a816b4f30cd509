import { describe, expect, it } from 'vitest';
import { retrieve } from '../src/commands/definitions.js';
import { Client, MemcacheUnknownError } from '../src/index.js';
import type { Frame } from '../src/protocol/frames.js';
import { ResponseParser } from '../src/protocol/parser.js';
import { startFakeServer, type FakeServer } from './support/fake-server.js';
import { closedAfterEach } from './support/closed-after-each.js';

// A reply that answers a key twice, or carries a cas unique no server can hold, means the stream is not
// what was asked for: a protocol error, never a value silently taken.

/** Feeds `reply` to the reader of `request` frame by frame, as the connection does. */
function readReply(request: ReturnType<typeof retrieve>, reply: string): unknown {
  const frames: Frame[] = [];
  new ResponseParser().feed(Buffer.from(reply, 'latin1'), (f) => frames.push(f));
  const reader = request.reader?.();
  if (reader === undefined) throw new Error('retrievals always have a reader');
  for (const frame of frames) {
    if (reader.read(frame)) return reader.result().map((f) => `${f.key}=${f.value.toString('latin1')}`);
  }
  throw new Error('the reply did not complete');
}

describe('ValuesReader: one value per requested key', () => {
  it.each([
    ['get', retrieve('get', ['k']), 'VALUE k 0 1\r\na\r\nVALUE k 0 1\r\nb\r\nEND\r\n'],
    ['gets', retrieve('gets', ['k']), 'VALUE k 0 1 7\r\na\r\nVALUE k 0 1 8\r\nb\r\nEND\r\n'],
    ['getMany', retrieve('get', ['a', 'k', 'c']), 'VALUE a 0 1\r\na\r\nVALUE k 0 1\r\nb\r\nVALUE k 0 1\r\nc\r\nEND\r\n'],
    // 150 keys go out as two `get` lines; the duplicate arrives in the second line's reply.
    [
      'getMany over two lines',
      retrieve('get', Array.from({ length: 150 }, (_, i) => `k${i}`)),
      'VALUE k1 0 1\r\na\r\nEND\r\nVALUE k1 0 1\r\nb\r\nEND\r\n',
    ],
  ])('%s: a second VALUE for a key is MemcacheUnknownError', (_name, request, reply) => {
    expect(() => readReply(request, reply)).toThrow(MemcacheUnknownError);
    expect(() => readReply(request, reply)).toThrow(/two values for the key/);
  });

  it('distinct keys, and a key asked twice in one getMany, read normally', () => {
    expect(readReply(retrieve('get', ['a', 'b']), 'VALUE a 0 1\r\n1\r\nVALUE b 0 1\r\n2\r\nEND\r\n')).toEqual(['a=1', 'b=2']);
    // The request names each key once, so the server answers it once.
    const twice = retrieve('get', ['a', 'b', 'a']);
    expect(twice.parts).toEqual(['get a b\r\n']);
    expect(readReply(twice, 'VALUE a 0 1\r\n1\r\nEND\r\n')).toEqual(['a=1']);
  });
});

// Replies a real memcached never sends, so a scripted FAKE server plays them.
describe('fake server: malformed retrieval replies fail the command', () => {
  let fake: FakeServer | undefined;
  let client: Client | undefined;
  closedAfterEach(() => client, () => fake);

  /** Answers every request on the first connection with `reply`, and `END` on later ones. */
  async function serving(reply: string): Promise<Client> {
    fake = await startFakeServer((socket, _data, connection) => socket.write(connection === 0 ? reply : 'END\r\n'));
    client = new Client(fake.spec, { protocol: 'text', timeout: 1000 });
    return client;
  }

  it('get answered with two values for its key', async () => {
    const c = await serving('VALUE k 16 5\r\nfirst\r\nVALUE k 16 6\r\nsecond\r\nEND\r\n');
    await expect(c.get('k')).rejects.toBeInstanceOf(MemcacheUnknownError);
    expect(await c.get('k')).toBeUndefined(); // a new connection: the desynced one was dropped
    expect(fake?.received.length).toBe(2);
  });

  it('getMany answered with two values for one key', async () => {
    const c = await serving('VALUE a 16 1\r\n1\r\nVALUE b 16 1\r\n2\r\nVALUE a 16 1\r\n3\r\nEND\r\n');
    await expect(c.getMany(['a', 'b'])).rejects.toBeInstanceOf(MemcacheUnknownError);
  });

  it('gets answered with a cas unique above 2^64-1', async () => {
    const c = await serving(`VALUE k 16 1 ${(1n << 64n).toString()}\r\nv\r\nEND\r\n`);
    const error = await c.gets('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheUnknownError);
    expect((error as Error).message).toContain('cas unique above 2^64-1');
  });
});
