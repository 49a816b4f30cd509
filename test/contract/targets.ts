import { Client, FallbackClient, HashClient, MockMemcacheClient, PooledClient, RetryingClient, type MockMemcacheClientOptions, type ClientOptions, type DefaultValue, type MemcacheClient, type OptionsFor } from '../../src/index.js';
import { rawExchange, type MemcachedServer } from '../support/memcached.js';

// The clients the contract suite runs on. Every entry is the same command surface over another
// executor; the suites in this folder run unchanged on each. A new client is one entry here.

/** Builds a client of a target with the caller's options (and the target's own, such as a pool size). */
export type Make = <V = DefaultValue>(...options: OptionsFor<V, ClientOptions<V>>) => MemcacheClient<V>;

/** A target opened over its servers: what the suites need to use it and to look behind it. */
export interface TargetSession {
  readonly make: Make;
  /** The names server-wide commands answer with, and the pid `stats` reports under each. */
  readonly answering: ReadonlyMap<string, number>;
  /** What is stored under a wire key (prefix included, latin1), as memcached's `get` reply: `VALUE …END\r\n` or `END\r\n`. */
  peek(wireKey: string): Promise<string>;
  /** Releases what `open` made beyond the clients (they are closed by the suite). */
  close?(): Promise<void>;
}

/** One client kind the contract suite runs on. */
export interface ContractTarget {
  readonly name: string;
  /** How many of the file's real memcached servers it runs on (the first n); 0 for an in-memory target. */
  readonly servers: number;
  open(servers: readonly MemcachedServer[]): TargetSession;
  /** Tests this target cannot pass by its nature, by test name, with the reason (eviction, connection errors…). */
  readonly skip?: Readonly<Record<string, string>>;
}

/**
 * A session over real servers: server-wide commands answer from `answering` (default: all of them), and
 * a peek asks each server on its own socket, outside the client under test (keys are unique per test,
 * so at most one server holds one).
 */
export function onServers(servers: readonly MemcachedServer[], make: Make, answering = servers): TargetSession {
  return {
    make,
    answering: new Map(answering.map((s) => [s.spec, s.pid])),
    async peek(wireKey) {
      const replies = await Promise.all(servers.map((s) => rawExchange(s.port, '127.0.0.1', `get ${wireKey}\r\n`, 'END\r\n')));
      return replies.find((r) => r.startsWith('VALUE')) ?? 'END\r\n';
    },
  };
}

/** The caller's options with a target's own added (a pool size, pooling), typed for that client. */
function withOwn<V, O>(options: OptionsFor<V, ClientOptions<V>>, own: O): [options: ClientOptions<V> & O] {
  return [{ ...options[0], ...own }] as [options: ClientOptions<V> & O];
}

/**
 * rendezvous.ts places a string key by pymemcache's code-point bytes (for placement compatibility with
 * pymemcache) and a byte key by its bytes; the two agree for ASCII only.
 */
const hashSkips = {
  'allowUnicodeKeys: a key given as its UTF-8 bytes reaches the same item as the string':
    'HashClient: a non-ASCII string key and its UTF-8 bytes hash differently (pymemcache-compatible placement), so they may route to different servers',
} as const;

/** What the mock cannot do by its nature. */
const mockSkips = {
  'stats, with sub-commands, values converted': 'MockMemcacheClient: no slab allocator, so `stats slabs` and `stats items` answer ERROR',
} as const;

const specs = (servers: readonly MemcachedServer[]): string[] => servers.map((s) => s.spec);

/** Every target, in the order their suites run. */
export const TARGETS: readonly ContractTarget[] = [
  // The default protocol is 'auto': memcached 1.6.18 is found to speak meta.
  {
    name: 'Client',
    servers: 1,
    open: (servers) => onServers(servers, (...options) => new Client(nth(servers, 0).spec, ...options)),
  },
  {
    name: 'Client, protocol text',
    servers: 1,
    open: (servers) =>
      onServers(servers, <V>(...options: OptionsFor<V, ClientOptions<V>>) =>
        new Client<V>(nth(servers, 0).spec, ...(withOwn(options, { protocol: 'text' }) as OptionsFor<V, ClientOptions<V>>)),
      ),
  },
  {
    name: 'PooledClient',
    servers: 1,
    open: (servers) =>
      onServers(servers, <V>(...options: OptionsFor<V, ClientOptions<V>>) =>
        new PooledClient<V>(nth(servers, 0).spec, ...(withOwn(options, { maxPoolSize: 4 }) as OptionsFor<V, ClientOptions<V>>)),
      ),
  },
  {
    name: 'Client, protocol meta',
    servers: 1,
    open: (servers) =>
      onServers(servers, <V>(...options: OptionsFor<V, ClientOptions<V>>) =>
        new Client<V>(nth(servers, 0).spec, ...(withOwn(options, { protocol: 'meta' }) as OptionsFor<V, ClientOptions<V>>)),
      ),
  },
  {
    name: 'HashClient×3, protocol text',
    servers: 3,
    open: (servers) =>
      onServers(servers, <V>(...options: OptionsFor<V, ClientOptions<V>>) =>
        new HashClient<V>(specs(servers), ...(withOwn(options, { protocol: 'text' }) as OptionsFor<V, ClientOptions<V>>)),
      ),
    skip: hashSkips,
  },
  {
    name: 'HashClient×3 usePooling',
    servers: 3,
    open: (servers) =>
      onServers(servers, <V>(...options: OptionsFor<V, ClientOptions<V>>) =>
        new HashClient<V>(specs(servers), ...(withOwn(options, { usePooling: true, maxPoolSize: 2 }) as OptionsFor<V, ClientOptions<V>>)),
      ),
    skip: hashSkips,
  },
  {
    name: 'HashClient×3 usePooling, protocol meta',
    servers: 3,
    open: (servers) =>
      onServers(servers, <V>(...options: OptionsFor<V, ClientOptions<V>>) =>
        new HashClient<V>(specs(servers), ...(withOwn(options, { usePooling: true, maxPoolSize: 2, protocol: 'meta' }) as OptionsFor<V, ClientOptions<V>>)),
      ),
    skip: hashSkips,
  },
  // Every command through the retry wrapper over one Client.
  {
    name: 'RetryingClient',
    servers: 1,
    open: (servers) => onServers(servers, (...options) => new RetryingClient(new Client(nth(servers, 0).spec, ...options), { attempts: 2 })),
  },
  // Writes land on the first client; reads ask the first, then the second; stats and version merge both.
  {
    name: 'FallbackClient',
    servers: 2,
    open: (servers) => {
      const [a, b] = [nth(servers, 0), nth(servers, 1)];
      return onServers([a, b], (...options) => new FallbackClient([new Client(a.spec, ...options), new Client(b.spec, ...options)]));
    },
    skip: {
      'stats, with sub-commands, values converted': 'FallbackClient: writes reach its first client only, so its second server holds no items for `stats items` to show',
      "rawCommand returns the key's server's reply up to the end tokens; an unknown command fails typed":
        'FallbackClient over single-server clients: a server that refuses a server-wide command fails it with its bare error, so the merged MemcacheClusterError cannot name it',
    },
  },
  //
  // No servers: an in-memory memcached. Every client a test makes talks to the first one's emulated
  // server, as clients of one memcached share its items (tests write with one serde, read with another).
  {
    name: 'MockMemcacheClient',
    servers: 0,
    open: () => mockSession(),
    skip: mockSkips,
  },
  {
    name: 'MockMemcacheClient, protocol text',
    servers: 0,
    open: () => mockSession({ protocol: 'text' }),
    skip: mockSkips,
  },
];

function nth(servers: readonly MemcachedServer[], index: number): MemcachedServer {
  const server = servers[index];
  if (server === undefined) throw new Error(`this target needs ${index + 1} server(s)`);
  return server;
}

/**
 * The mock's session: one emulated server shared by every client the test makes (each with the target's
 * own options, such as its protocol); peeks read its store.
 */
function mockSession(targetOwn: Pick<MockMemcacheClientOptions<unknown>, 'protocol'> = {}): TargetSession {
  let first: MockMemcacheClient<unknown> | undefined;
  const make = <V>(...options: OptionsFor<V, ClientOptions<V>>): MemcacheClient<V> => {
    const own = options[0] ?? {};
    const mock = new MockMemcacheClient<V>(...([{ ...mockOptions(own), ...targetOwn, ...(first === undefined ? {} : { sameServerAs: first }) }] as OptionsFor<V, MockMemcacheClientOptions<V>>));
    first ??= mock as MockMemcacheClient<unknown>;
    return mock;
  };
  return {
    make,
    answering: new Map([['mock:11211', process.pid]]),
    peek(wireKey) {
      const hit = first?.memory.peek(wireKey);
      if (hit === undefined) return Promise.resolve('END\r\n');
      const data = Buffer.from(hit.value).toString('latin1');
      return Promise.resolve(`VALUE ${wireKey} ${hit.flags} ${hit.value.length}\r\n${data}\r\nEND\r\n`);
    },
  };
}

/** The client options a mock takes (the network's, such as timeouts, mean nothing in memory). */
function mockOptions<V>(options: ClientOptions<V>): MockMemcacheClientOptions<V> {
  const { keyPrefix, defaultNoreply, allowUnicodeKeys, ignoreExc, serde, serializer, deserializer, scheduler, maxValueSize } = options;
  const picked = { keyPrefix, defaultNoreply, allowUnicodeKeys, ignoreExc, serde, serializer, deserializer, scheduler, maxValueSize };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined)) as MockMemcacheClientOptions<V>;
}
