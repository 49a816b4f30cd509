import { describe, expect, it } from 'vitest';
import { Client, HashClient, PooledClient, serde, type CasMiss, type CasResult, type JsonValue, type MemcacheClient } from '../src/index.js';

// Compile-time checks of the public types (tsc runs over this file in `npm test`): an expectation that
// no longer holds makes the typecheck fail, since an unused `@ts-expect-error` is itself an error.

describe('value types follow the serde', () => {
  it('infers the value type from the serde, and refuses a value type no serde produces', () => {
    const json = new Client('127.0.0.1:1', { serde: serde.json() });
    const typed: MemcacheClient<JsonValue> = json;
    // @ts-expect-error the default serde stores strings and bytes, not only strings
    const strings = new Client<string>('127.0.0.1:1');
    // @ts-expect-error the same rule for every client
    const pooled = new PooledClient<number>('127.0.0.1:1', { maxPoolSize: 2 });
    // @ts-expect-error and for a cluster
    const cluster = new HashClient<Date>(['127.0.0.1:1']);
    const plain: MemcacheClient = new Client('127.0.0.1:1');
    expect([typed, strings, pooled, cluster, plain].every((c) => typeof c.get === 'function')).toBe(true);
    return Promise.all([json, strings, pooled, cluster, plain].map((c) => c.close()));
  });

  it('types a gets hit with a string cas and a miss with the defaults given', async () => {
    const client = new Client('127.0.0.1:1');
    const hitOrMiss: Promise<CasResult<string | Uint8Array> | CasMiss<null, number>> = client.gets('k', null, 0).then((r) => r);
    // @ts-expect-error a hit's cas is a string, never the cas default
    const wrong: Promise<CasResult<string | Uint8Array> & { cas: 0 }> = client.gets('k', null, 0).then((r) => r);
    await Promise.allSettled([hitOrMiss, wrong]);
    expect(await client.gets('k', null, 0).catch((e: unknown) => e)).toBeInstanceOf(Error);
    await client.close();
  });
});
