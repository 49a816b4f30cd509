import { concatMap, from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

// Issue 9, A.1: commands issued from inside other commands' subscribers, against real memcached.
// Values of 20,000 bytes are over the client's "large part" size, which is what sent them down the
// synchronous write path where the bugs lived; each test must fail on a client with those bugs.

let server: MemcachedServer;
let run = 0;

beforeAll(async () => {
  // 3,000 values of 17 KB must all fit without eviction.
  server = await startMemcached({ memoryMb: 256 });
});
afterAll(async () => {
  await server.stop();
});

/** A fresh client in a key namespace of its own. */
function freshClient(): Client {
  return new Client(server.spec, { keyPrefix: `known-${++run}-`, timeout: 10_000 });
}

/** A long value as its first characters and length, so a failure prints readably. */
function brief(value: unknown): unknown {
  return typeof value === 'string' && value.length > 40 ? `${value.slice(0, 12)}… (${value.length} chars)` : value;
}

/** Settles after `ms` with a message: a hang fails the test instead of timing it out silently. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms (hung)`)), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

describe('re-entrant commands (issue 9, A.1)', () => {
  it('concatMap of three large noreply sets on a fresh client leaves the last value stored', async () => {
    const client = freshClient();
    try {
      const results = await within(
        10_000,
        'concatMap of sets',
        lastValueFrom(from(['a', 'b', 'c']).pipe(concatMap((v) => client.set('k', v.repeat(20_000))), toArray())),
      );
      expect(results).toEqual([true, true, true]);
      expect(brief(await client.get('k'))).toBe(brief('c'.repeat(20_000)));
    } finally {
      await client.close();
    }
  });

  it('an add issued from a noreply set’s subscriber gets its own reply, not the previous add’s', async () => {
    const client = freshClient();
    try {
      await client.set('exists', 'old', { noreply: false });
      const outcomes = await within(
        10_000,
        'add, set, nested add',
        new Promise<Array<[string, unknown]>>((resolve) => {
          const seen: Array<[string, unknown]> = [];
          const record = (name: string) => ({
            next: (value: unknown) => {
              seen.push([name, value]);
              if (seen.length === 2) resolve(seen);
            },
            error: (error: unknown) => {
              seen.push([name, error instanceof Error ? `${error.name}: ${error.message}` : error]);
              if (seen.length === 2) resolve(seen);
            },
          });
          client.add('exists', 'x', { noreply: false }).subscribe(record('add exists'));
          client.set('n', 'v').subscribe(() => {
            client.add('fresh', 'B'.repeat(20_000), { noreply: false }).subscribe(record('add fresh'));
          });
        }),
      );
      expect(new Map(outcomes)).toEqual(
        new Map([
          ['add exists', false],
          ['add fresh', true],
        ]),
      );
      expect(await client.get('exists')).toBe('old');
      expect(brief(await client.get('fresh'))).toBe(brief('B'.repeat(20_000)));
    } finally {
      await client.close();
    }
  });

  it('3,000 large sets, each issued from the previous one’s subscriber: all written, in order, no stack overflow', async () => {
    const client = freshClient();
    const depth = 3000;
    const value = (i: number): string => `${i}:`.padEnd(17_000, 'v');
    const before = Number(only(await client.stats())['cmd_set']);
    try {
      const resolved = await within(
        30_000,
        `${depth} nested sets`,
        new Promise<number>((resolve, reject) => {
          let count = 0;
          const nest = (i: number): void => {
            client.set('deep', value(i)).subscribe({
              next: () => {
                count++;
                if (i + 1 < depth) nest(i + 1);
                else resolve(count);
              },
              error: reject,
            });
          };
          nest(0);
        }),
      );
      expect(resolved).toBe(depth);
      expect(brief(await client.get('deep'))).toBe(brief(value(depth - 1)));
      // Every set that resolved reached the server.
      expect(Number(only(await client.stats())['cmd_set']) - before).toBe(depth);
    } finally {
      await client.close();
    }
  });
});
