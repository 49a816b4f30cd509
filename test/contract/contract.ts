import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemcacheClusterError, type ClientOptions, type DefaultValue, type MemcacheClient, type OptionsFor } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { TARGETS, type ContractTarget, type Make, type TargetSession } from './targets.js';

/** The options of `t.client`: deadlines a loaded machine never meets, and a limit above the server's so
 * tests reach memcached's own size check. */
const SHARED_CLIENT = { timeout: 10_000, maxValueSize: 8 * 1024 * 1024 } as const;

/** One target as a contract test sees it. */
export interface Bound {
  readonly name: string;
  /** A client with `SHARED_CLIENT` options, made before the first test and closed after the last. */
  readonly client: MemcacheClient;
  /** A client with these options (and the target's own; `SHARED_CLIENT`'s deadline unless given), closed after the test. */
  readonly make: Make;
  /** The names server-wide commands answer with, and each one's pid. */
  readonly answering: ReadonlyMap<string, number>;
  /** What is stored under a wire key, as a raw `get` reply (`END\r\n` when nothing). */
  peek(wireKey: string): Promise<string>;
  /** A test, or a skip that names the target and the reason when the target lists this test name. */
  it(name: string, test: () => Promise<void>, timeout?: number): void;
  /** A fresh key, unique across targets, tests and files sharing servers. */
  fresh(): string;
}

/**
 * Runs `body` once per target (one `describe` each), over real memcached servers that this file starts
 * once and every target shares: tests use fresh keys, and run one at a time within a file.
 * Call it once per file.
 */
export function contract(title: string, body: (t: Bound) => void, targets: readonly ContractTarget[] = TARGETS): void {
  let servers: MemcachedServer[] = [];
  const needed = Math.max(0, ...targets.map((t) => t.servers));
  beforeAll(async () => {
    // Every target writes into the same servers: with memcached's default 64 MB the later targets' items
    // were evicted (the bulk file lost 1,069 of 20,000 on the ninth target). memcached allocates as it
    // stores, so a high limit costs nothing up front.
    servers = await Promise.all(Array.from({ length: needed }, () => startMemcached({ memoryMb: 1024 })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  for (const target of targets) describe(`${title} on ${target.name}`, () => body(bind(target, title, () => servers)));
}

function bind(target: ContractTarget, title: string, servers: () => readonly MemcachedServer[]): Bound {
  let session: TargetSession | undefined;
  let shared: MemcacheClient | undefined;
  const made: MemcacheClient<unknown>[] = [];
  let n = 0;
  const tag = `${title}|${target.name}`.replace(/[^A-Za-z0-9]+/g, '-');
  beforeAll(() => {
    session = target.open(servers().slice(0, target.servers));
    shared = session.make(SHARED_CLIENT);
  });
  afterEach(async () => {
    await Promise.all(made.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await shared?.close();
    await session?.close?.();
  });
  const open = (): TargetSession => {
    if (session === undefined) throw new Error(`${target.name} is not open yet: use it inside a test`);
    return session;
  };
  return {
    name: target.name,
    get client() {
      open();
      return shared as MemcacheClient;
    },
    make: <V = DefaultValue>(...options: OptionsFor<V, ClientOptions<V>>) => {
      const client = open().make<V>(...([{ timeout: SHARED_CLIENT.timeout, ...options[0] }] as OptionsFor<V, ClientOptions<V>>));
      made.push(client);
      return client;
    },
    get answering() {
      return open().answering;
    },
    peek: (wireKey) => open().peek(wireKey),
    it: (name, test, timeout) => {
      const reason = target.skip?.[name];
      if (reason === undefined) it(name, test, timeout);
      else it.skip(`${name} — skipped on ${target.name}: ${reason}`, test);
    },
    fresh: () => `${tag}-${++n}-${Date.now()}`,
  };
}

/**
 * Each server's answer of a server-wide command, after checking that exactly the servers the target
 * answers with did: one on a single-server client, three on a HashClient over three.
 */
export function eachServer<T>(t: Bound, results: ReadonlyMap<string, T>): [name: string, value: T][] {
  expect([...results.keys()].sort()).toEqual([...t.answering.keys()].sort());
  return [...results];
}

/**
 * Checks that a command fails with an error of `type`: that error itself on a client of one server; on
 * a client spread over several, one `MemcacheClusterError` whose cause is of `type` (the README's
 * fan-out rule: what the healthy parts answered is kept in `partial`). Returns the cluster error's
 * `failedKeys`, or undefined on a client of one server.
 */
export async function failsWith(t: Bound, command: PromiseLike<unknown>, type: abstract new (...args: never[]) => Error): Promise<readonly unknown[] | undefined> {
  const error = await Promise.resolve(command).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (t.answering.size === 1) {
    expect(error).toBeInstanceOf(type);
    return undefined;
  }
  expect(error).toBeInstanceOf(MemcacheClusterError);
  expect((error as MemcacheClusterError).cause).toBeInstanceOf(type);
  return (error as MemcacheClusterError).failedKeys;
}

/** A server-wide command that every server refuses fails with `type` (see `failsWith`), naming every server. */
export async function rejectsOnEveryServer(t: Bound, command: PromiseLike<unknown>, type: abstract new (...args: never[]) => Error): Promise<void> {
  const failed = await failsWith(t, command, type);
  if (failed !== undefined) expect([...failed].sort()).toEqual([...t.answering.keys()].sort());
}
