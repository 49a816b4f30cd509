import type { SchedulerLike } from 'rxjs';
import { arithmetic, deletion, retrieval, storage, touch } from './item-commands.js';
import { DEFAULT_ITEM_SIZE_MAX, MemoryStore } from './memory-store.js';
import { metaArithmeticCommand, metaDeleteCommand, metaGetCommand, metaSetCommand } from './meta-commands.js';
import { RequestCursor } from './request-cursor.js';
import { cacheMemlimit, flushAll, metaNoop, quit, shutdown, stats, verbosity, version } from './server-commands.js';
import type { ServerClock } from './server-stats.js';
import { ReplyWriter, unknown, type Handler, type Outcome, type ServerState } from './text-session.js';

/**
 * memcached's `-R` (reqs_per_event): a connection's replies are written after the first 21 commands of a
 * read, then after every 20 (and at each `mn`, and when the input runs out).
 */
const REQS_PER_EVENT = 20;

/** memcached's default `-m 64`, in bytes. */
const DEFAULT_MAXBYTES = 64 * 1024 * 1024;

/** Options of {@link TextServer}. */
export interface TextServerOptions {
  /** Where time comes from, for expiry and `stats`; a TestScheduler moves it in tests. */
  readonly scheduler: SchedulerLike;
  /** memcached's `-I`, in bytes. Default 1 MiB. */
  readonly itemSizeMax?: number;
  /** The port `stats settings` reports. Default 11211. */
  readonly port?: number;
}

/** A request's reply bytes, and whether the server answered all of it, waits for more bytes, or hung up. */
export interface Served {
  readonly reply: Buffer;
  readonly outcome: Outcome;
}

/**
 * memcached 1.6.18's text protocol, meta commands included (`mg`, `ms`, `md`, `ma`, `mn`), over an
 * in-memory store: request bytes in, reply bytes out, exactly as the server would write them to the
 * socket. Commands it does not model (`me`, `lru_crawler`, `watch`, `slabs`, …) get `ERROR`, as unknown
 * commands do. No I/O, no timers.
 *
 * @example
 * ```ts
 * const server = new TextServer({ scheduler: asyncScheduler });
 * server.serve(Buffer.from('set k 0 0 1\r\nx\r\nget k\r\n')).reply.toString();
 * // 'STORED\r\nVALUE k 0 1\r\nx\r\nEND\r\n'
 * ```
 */
export class TextServer {
  /** The items, their cas uniques and the counters. */
  readonly store: MemoryStore;
  private readonly state: ServerState;
  private readonly handlers: ReadonlyMap<string, Handler>;

  constructor(options: TextServerOptions) {
    const itemSizeMax = options.itemSizeMax ?? DEFAULT_ITEM_SIZE_MAX;
    this.store = new MemoryStore({ scheduler: options.scheduler, itemSizeMax });
    this.state = {
      limitMaxbytes: DEFAULT_MAXBYTES,
      verbosity: 0,
      bytesRead: 0,
      bytesWritten: 0,
      currConnections: 0,
      totalConnections: 0,
      itemSizeMax,
      port: options.port ?? 11211,
    };
    const clock: ServerClock = { scheduler: options.scheduler, startedAt: options.scheduler.now() };
    this.handlers = commandTable(clock);
  }

  /** A client connected: counted in `curr_connections` and `total_connections`. */
  connect(): void {
    this.state.currConnections++;
    this.state.totalConnections++;
  }

  /** A client went away. */
  disconnect(): void {
    this.state.currConnections = Math.max(0, this.state.currConnections - 1);
  }

  /**
   * Runs every command in `input`, in order, and returns the reply. Stops early when a command needs
   * bytes the input does not have (the server would wait for them) or closes the connection (`quit`).
   */
  serve(input: Buffer): Served {
    this.state.bytesRead += input.length;
    const cursor = new RequestCursor(input);
    const reply = new ReplyWriter();
    const session = { store: this.store, state: this.state, cursor, reply };
    let outcome: Outcome = 'answered';
    let commands = 0;
    while (outcome === 'answered' && !cursor.done) {
      const tokens = cursor.line();
      if (tokens === undefined) {
        outcome = 'incomplete';
        break;
      }
      reply.noreply = false;
      outcome = (this.handlers.get(tokens[0] ?? '') ?? unknown)(tokens, session);
      commands++;
      if (tokens[0] === 'mn' || (commands > REQS_PER_EVENT && (commands - 1) % REQS_PER_EVENT === 0)) this.store.repliesWritten();
    }
    this.store.repliesWritten();
    const bytes = reply.bytes();
    this.state.bytesWritten += bytes.length;
    return { reply: bytes, outcome };
  }
}

function commandTable(clock: ServerClock): ReadonlyMap<string, Handler> {
  return new Map<string, Handler>([
    ['get', retrieval(false, false)],
    ['gets', retrieval(true, false)],
    ['gat', retrieval(false, true)],
    ['gats', retrieval(true, true)],
    ...(['set', 'add', 'replace', 'append', 'prepend', 'cas'] as const).map((verb) => [verb, storage] as const),
    ['delete', deletion],
    ['incr', arithmetic],
    ['decr', arithmetic],
    ['touch', touch],
    ['flush_all', flushAll],
    ['version', version],
    ['verbosity', verbosity],
    ['cache_memlimit', cacheMemlimit],
    ['stats', stats(clock)],
    ['shutdown', shutdown],
    ['quit', quit],
    ['mn', metaNoop],
    ['mg', metaGetCommand],
    ['ms', metaSetCommand],
    ['md', metaDeleteCommand],
    ['ma', metaArithmeticCommand],
  ]);
}
