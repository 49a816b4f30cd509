import * as net from 'node:net';
import * as tls from 'node:tls';
import { Observable } from 'rxjs';
import { toConnectionError } from '../errors.js';
import { packParts } from '../protocol/encode.js';
import type { WirePart } from '../protocol/request.js';

/** Where a server listens. */
export type Endpoint =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** The write side of an open transport. */
export interface Writer {
  /** Writes a batch of request parts as one socket write (or one corked writev for large values). */
  write(parts: readonly WirePart[]): void;
  /** Sends the parts, then closes the write side; the server then closes its side. */
  end(parts: readonly WirePart[]): void;
  /** Bytes written but not yet handed to the kernel (a socket's `writableLength`); absent means none. */
  buffered?(): number;
  /** Calls `drained` once, when the buffered bytes have gone out (a socket's `'drain'`). */
  whenDrained?(drained: () => void): void;
}

/**
 * A byte pipe to one server: subscribing connects, the Observable emits received chunks, errors with a
 * connection error, completes when the server closes, and unsubscribing destroys the socket.
 * `connected` hands over the writer once bytes can flow. Marble tests pass a fake one.
 *
 * A chunk is only valid until `next` returns: the socket transport reads into one reused buffer.
 */
export type Transport = (connected: (writer: Writer) => void) => Observable<Buffer>;

/** Socket-level settings of the real transport. */
export interface SocketSettings {
  readonly noDelay: boolean;
  /** `false`, `true`, or the initial keep-alive delay in milliseconds. */
  readonly keepAlive: boolean | number;
  /** Node TLS options, `true` for defaults (verify against the system CAs), or undefined for plain TCP. */
  readonly tls: tls.ConnectionOptions | true | undefined;
  /** The socket does not keep the process alive (`socket.unref()`). */
  readonly allowExitOnIdle?: boolean;
}

/**
 * The real transport over `node:net` / `node:tls`. The only module in the library that touches sockets.
 *
 * @example
 * ```ts
 * const transport = socketTransport({ kind: 'tcp', host: '127.0.0.1', port: 11211 }, settings);
 * ```
 */
export function socketTransport(endpoint: Endpoint, settings: SocketSettings): Transport {
  const label = endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : endpoint.path;
  return (connected) =>
    new Observable<Buffer>((subscriber) => {
      const secure = settings.tls !== undefined && endpoint.kind === 'tcp';
      const socket = openSocket(endpoint, settings, (chunk) => subscriber.next(chunk));
      if (settings.allowExitOnIdle === true) socket.unref();
      const onReady = (): void => {
        if (endpoint.kind === 'tcp') {
          socket.setNoDelay(settings.noDelay);
          if (settings.keepAlive !== false) socket.setKeepAlive(true, settings.keepAlive === true ? 0 : settings.keepAlive);
        }
        connected(writerFor(socket));
      };
      socket.once(secure ? 'secureConnect' : 'connect', onReady);
      if (secure) socket.on('data', (chunk: Buffer) => subscriber.next(chunk));
      socket.on('error', (error) => subscriber.error(toConnectionError(error, `connection to ${label} failed`)));
      socket.on('close', () => subscriber.complete());
      return () => {
        socket.removeAllListeners();
        // A destroyed socket may still report an error; with a listener it can never go unhandled.
        socket.on('error', () => undefined);
        socket.destroy();
      };
    });
}

/** Bytes a plain socket reads at once: libuv's usual read size. */
const READ_BUFFER_BYTES = 64 * 1024;

/**
 * One read buffer per plain socket, reused for every read: a read allocates nothing, and the parser
 * copies out only what it keeps. Node offers `onread` for plain sockets only, so TLS keeps 'data'.
 */
function reusedReadBuffer(onChunk: (chunk: Buffer) => void): net.OnReadOpts {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return {
    buffer,
    callback(n) {
      onChunk(buffer.subarray(0, n));
      return true;
    },
  };
}

function openSocket(endpoint: Endpoint, settings: SocketSettings, onChunk: (chunk: Buffer) => void): net.Socket {
  if (endpoint.kind === 'unix') return net.connect({ path: endpoint.path, onread: reusedReadBuffer(onChunk) });
  if (settings.tls === undefined) {
    return net.connect({ host: endpoint.host, port: endpoint.port, onread: reusedReadBuffer(onChunk) });
  }
  const options: tls.ConnectionOptions = settings.tls === true ? {} : settings.tls;
  // SNI takes a host name, never an IP literal.
  const servername = options.servername ?? (net.isIP(endpoint.host) === 0 ? endpoint.host : undefined);
  return tls.connect({
    minVersion: 'TLSv1.2',
    ...options,
    host: endpoint.host,
    port: endpoint.port,
    ...(servername === undefined ? {} : { servername }),
  });
}

function writerFor(socket: net.Socket): Writer {
  const send = (parts: readonly WirePart[]): void => {
    const buffers = packParts(parts);
    if (buffers.length === 1) {
      socket.write(buffers[0] as Buffer);
      return;
    }
    socket.cork();
    for (const buffer of buffers) socket.write(buffer);
    socket.uncork();
  };
  return {
    write: send,
    end(parts) {
      if (parts.length > 0) send(parts);
      socket.end();
    },
    buffered: () => socket.writableLength,
    whenDrained: (drained) => void socket.once('drain', drained),
  };
}
