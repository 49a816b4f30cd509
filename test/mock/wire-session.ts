import net from 'node:net';

// A bare text-protocol session with a real memcached, independent of the client under test: the
// differential test compares the server's exact reply bytes with what the in-memory store answers.

const RETRIEVAL = /^(get|gets|gat|gats) /;

/** One socket, one request at a time; each `send` resolves with the whole reply as latin1 text. */
export class WireSession {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    const fail = (error: Error): void => {
      this.failure = error;
      this.waiting?.();
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('memcached closed the connection')));
  }

  static open(port: number): Promise<WireSession> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      socket.once('error', reject);
      socket.once('connect', () => resolve(new WireSession(socket)));
    });
  }

  /** Sends one request (command line, and data block for storage commands) and reads its reply. */
  async send(line: string, data?: Uint8Array): Promise<string> {
    const parts = [Buffer.from(`${line}\r\n`, 'latin1')];
    if (data !== undefined) parts.push(Buffer.from(data), Buffer.from('\r\n', 'latin1'));
    this.socket.write(Buffer.concat(parts));
    const retrieval = RETRIEVAL.test(line);
    for (;;) {
      const end = retrieval ? retrievalEnd(this.buffer) : line === 'stats' ? statsEnd(this.buffer) : lineEnd(this.buffer, 0);
      if (end !== undefined) {
        const reply = this.buffer.subarray(0, end).toString('latin1');
        this.buffer = this.buffer.subarray(end);
        return reply;
      }
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

function lineEnd(buffer: Buffer, from: number): number | undefined {
  const at = buffer.indexOf('\r\n', from, 'latin1');
  return at === -1 ? undefined : at + 2;
}

/** Where a `stats` reply ends: after its END line. */
function statsEnd(buffer: Buffer): number | undefined {
  const at = buffer.indexOf('END\r\n', 0, 'latin1');
  return at === -1 ? undefined : at + 5;
}

/** Where a get-family reply ends: VALUE blocks (with their byte counts) until END, or one error line. */
function retrievalEnd(buffer: Buffer): number | undefined {
  let at = 0;
  for (;;) {
    const end = lineEnd(buffer, at);
    if (end === undefined) return undefined;
    const line = buffer.subarray(at, end - 2).toString('latin1');
    if (!line.startsWith('VALUE ')) return end;
    const bytes = Number(line.split(' ')[3]);
    if (buffer.length < end + bytes + 2) return undefined;
    at = end + bytes + 2;
  }
}
