import { NEVER, Observable, Subscription, type SchedulerLike } from 'rxjs';
import type { Transport, Writer } from '../src/index.js';

/** What the fake server sends back after one write: nothing, one chunk, or several chunks in order. */
export type Reply = string | readonly string[] | undefined;

export interface FakeTransportOptions {
  /** Virtual clock: every record is stamped with `scheduler.now()`; delayed connects and replies run on it. */
  readonly scheduler: SchedulerLike;
  /**
   * Reply chunks the "server" sends on each connection, subscribed when the transport is (a marble `cold`
   * starts at connect time). Errors and completion pass through as socket errors and closes. Default NEVER.
   */
  readonly replies?: Observable<Buffer> | ((connection: number) => Observable<Buffer>);
  /** When `connected(writer)` is called: `'sync'` (during subscribe, the default), after N virtual ms, or `'never'`. */
  readonly connectAfter?: 'sync' | 'never' | number;
  /** Scripted server: called with each write (latin1) and the connection's index, its reply is sent after `respondAfter`. */
  readonly respond?: (written: string, connection: number) => Reply;
  /** Virtual ms between a write and its scripted reply. Default 0 (same frame, after the write). */
  readonly respondAfter?: number;
}

export interface WriteRecord {
  readonly time: number;
  readonly connection: number;
  readonly data: string;
}

export interface ConnectionRecord {
  readonly subscribedAt: number;
  unsubscribedAt: number | undefined;
}

/** A fake Transport plus everything it saw. */
export interface FakeTransport {
  readonly transport: Transport;
  /** One record per `writer.write(parts)` call, parts joined as latin1. */
  readonly writes: WriteRecord[];
  /** One record per `writer.end(parts)` call. */
  readonly ends: WriteRecord[];
  /** One record per transport subscription (= connection attempt), in order. */
  readonly connections: ConnectionRecord[];
  /** Just the written strings, handy for `toEqual`. */
  readonly written: () => string[];
}

export function latin1(parts: readonly (string | Uint8Array)[]): string {
  return parts
    .map((part) => (typeof part === 'string' ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('latin1')))
    .join('');
}

export function createFakeTransport(options: FakeTransportOptions): FakeTransport {
  const { scheduler } = options;
  const writes: WriteRecord[] = [];
  const ends: WriteRecord[] = [];
  const connections: ConnectionRecord[] = [];

  const transport: Transport = (connected) =>
    new Observable<Buffer>((subscriber) => {
      const connection = connections.length;
      const record: ConnectionRecord = { subscribedAt: scheduler.now(), unsubscribedAt: undefined };
      connections.push(record);
      const teardown = new Subscription();
      const send = (reply: Reply): void => {
        if (reply === undefined) return;
        const chunks = typeof reply === 'string' ? [reply] : reply;
        teardown.add(
          scheduler.schedule(() => {
            for (const chunk of chunks) subscriber.next(Buffer.from(chunk, 'latin1'));
          }, options.respondAfter ?? 0),
        );
      };
      const writer: Writer = {
        write(parts) {
          const data = latin1(parts);
          writes.push({ time: scheduler.now(), connection, data });
          if (options.respond !== undefined) send(options.respond(data, connection));
        },
        end(parts) {
          ends.push({ time: scheduler.now(), connection, data: latin1(parts) });
        },
      };
      // The server's own chunks; their error or completion is the socket's.
      const source = typeof options.replies === 'function' ? options.replies(connection) : (options.replies ?? NEVER);
      teardown.add(source.subscribe(subscriber));
      const connectAfter = options.connectAfter ?? 'sync';
      if (connectAfter === 'sync') connected(writer);
      else if (connectAfter !== 'never') teardown.add(scheduler.schedule(() => connected(writer), connectAfter));
      return () => {
        record.unsubscribedAt = scheduler.now();
        teardown.unsubscribe();
      };
    });

  return { transport, writes, ends, connections, written: () => writes.map((w) => w.data) };
}

/**
 * A tiny scripted memcached for `respond`: answers `get` lines from `values` (flags 16, so the default
 * serde reads strings), `mn` with `MN`, and `set` with `STORED` unless noreply. Values must be ASCII
 * without CRLF.
 */
export function serve(values: Readonly<Record<string, string>>): (written: string) => Reply {
  return (written) => {
    const out: string[] = [];
    const lines = written.split('\r\n');
    for (let i = 0; i < lines.length; i++) {
      const [verb, ...args] = (lines[i] ?? '').split(' ');
      if (verb === 'get') {
        for (const key of args) {
          const value = values[key];
          if (value !== undefined) out.push(`VALUE ${key} 16 ${value.length}\r\n${value}\r\n`);
        }
        out.push('END\r\n');
      } else if (verb === 'mn') out.push('MN\r\n');
      else if (verb === 'set') {
        i++; // the data line
        if (args[args.length - 1] !== 'noreply') out.push('STORED\r\n');
      }
    }
    return out.length === 0 ? undefined : out.join('');
  };
}
