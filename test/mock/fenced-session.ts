import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// A bare socket to a real memcached that sends any request bytes followed by a meta no-op (`mn`) and
// reads the reply up to its `MN`: where a reply ends without knowing what the request was. A request
// with `mn` lines of its own gets one `MN` more per line (memcached flushes at each, so a read may end
// at one of them): the reply is complete once it holds them all and ends with the fence's.

const FENCE = Buffer.from('mn\r\n', 'latin1');
const FENCE_REPLY = Buffer.from('MN\r\n', 'latin1');

export class FencedSession {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on('error', () => this.waiting?.());
    socket.on('close', () => this.waiting?.());
  }

  static open(port: number): Promise<FencedSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('error', reject);
      socket.once('connect', () => resolve(new FencedSession(socket)));
    });
  }

  /** The server's reply to `request`, without the fence's `MN`. Fails after 5 s without one. */
  async exchange(request: Buffer): Promise<Buffer> {
    this.socket.write(Buffer.concat([request, FENCE]));
    const fences = 1 + noops(request);
    const deadline = Date.now() + 5000;
    while (!this.fenced(fences)) {
      if (this.socket.destroyed || Date.now() > deadline) throw new Error(`no MN after ${JSON.stringify(request.toString('latin1').slice(0, 80))}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 100);
      });
    }
    const reply = this.buffer.subarray(0, this.buffer.length - FENCE_REPLY.length);
    this.buffer = Buffer.alloc(0);
    return reply;
  }

  close(): void {
    this.socket.destroy();
  }

  private fenced(fences: number): boolean {
    if (this.buffer.length < FENCE_REPLY.length || !this.buffer.subarray(this.buffer.length - FENCE_REPLY.length).equals(FENCE_REPLY)) return false;
    return count(this.buffer.toString('latin1'), /(?<=^|\n)MN\r\n/g) >= fences;
  }
}

/**
 * A real memcached for this test file (its LRU background threads off, so counters move only with the
 * requests) and a fenced session to it, opened before the tests and closed after: call it at top level.
 */
export function fencedMemcached(): () => FencedSession {
  let server: MemcachedServer | undefined;
  let session: FencedSession | undefined;
  beforeAll(async () => {
    server = await startMemcached({ extraArgs: ['-o', 'no_lru_crawler,no_lru_maintainer'] });
    session = await FencedSession.open(server.port);
  });
  afterAll(async () => {
    session?.close();
    await server?.stop();
  });
  return () => {
    if (session === undefined) throw new Error('the fenced session opens in beforeAll');
    return session;
  };
}

/** A `stats` reply's values by name. */
export function statsOf(reply: Buffer): Map<string, string> {
  return new Map([...reply.toString('latin1').matchAll(/^STAT (\S+) (.*)\r$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

/** The `mn` command lines of a request (the tests' data blocks hold none). */
function noops(request: Buffer): number {
  return count(request.toString('latin1'), /(?<=^|\n)mn( [^\n]*)?\r?\n/g);
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}
