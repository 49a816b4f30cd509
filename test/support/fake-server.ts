import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A scripted FAKE memcached, only for faults a real server cannot produce (silence, garbage, a close in
 * the middle of a value). It listens on 127.0.0.1 port 0; `handle` sees each request chunk and answers
 * through the socket as the test scripts it.
 */
export interface FakeServer {
  readonly port: number;
  readonly spec: string;
  /** Every byte received, per connection, in order. */
  readonly received: string[];
  close(): Promise<void>;
}

export type FakeHandler = (socket: Socket, data: string, connection: number) => void;

export async function startFakeServer(handle: FakeHandler): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const received: string[] = [];
  const server: Server = createServer((socket) => {
    const connection = received.length;
    received.push('');
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      const data = chunk.toString('latin1');
      received[connection] += data;
      handle(socket, data, connection);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    spec: `127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A FAKE server that accepts each connection and closes it at once; `connections` counts them. */
export interface ClosingServer {
  readonly port: number;
  readonly spec: string;
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * Starts a FAKE server that closes every connection as soon as it is accepted, after writing
 * `greeting` if given. memcached at its connection limit does this with
 * `ERROR Too many open connections\r\n`; a crashing service behind a load balancer does it silently.
 */
export async function startClosingServer(greeting?: string): Promise<ClosingServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (greeting === undefined) socket.destroy();
    else socket.end(greeting);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    spec: `127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
