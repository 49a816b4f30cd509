import { describe, expect, it } from 'vitest';
import { Client, FallbackClient, HashClient, PooledClient, RetryingClient, serde, type CasMiss, type CasResult, type DefaultValue, type JsonValue, type MemcacheClient } from '../src/index.js';

/** true only when A and B are the same type (not merely assignable). */
type SameType<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;

// Compile-time checks of the public types (tsc runs over this file in `npm test`): an expectation that
// no longer holds makes the typecheck fail, since an unused `@ts-expect-error` is itself an error.

describe('value types follow the serde', () => {
  it('infers the value type from the serde, and refuses a value type no serde produces', () => {
    const json = new Client('127.0.0.1:1', { serde: serde.json() });
    const typed: MemcacheClient<JsonValue> = json;
    // @ts-expect-error the default serde stores strings and bytes, not only strings
    const strings = new Client<string>('127.0.0.1:1', { timeout: 100 });
    // @ts-expect-error the same rule for every client
    const pooled = new PooledClient<number>('127.0.0.1:1', { maxPoolSize: 2 });
    // @ts-expect-error and for a cluster
    const cluster = new HashClient<Date>(['127.0.0.1:1'], { timeout: 100 });
    const plain: MemcacheClient = new Client('127.0.0.1:1');
    expect([typed, strings, pooled, cluster, plain].every((c) => typeof c.get === 'function')).toBe(true);
    return Promise.all([json, strings, pooled, cluster, plain].map((c) => c.close()));
  });

  it('builds clients inside other clients without type arguments', async () => {
    const migration = new FallbackClient([new Client('127.0.0.1:1'), new Client('127.0.0.2:1')]);
    const same: SameType<typeof migration, FallbackClient<DefaultValue>> = true;
    const value: Promise<string | Uint8Array | undefined> = migration.get('k').then((v) => v, () => undefined);
    const retrying = new RetryingClient(new Client('127.0.0.1:1', { serde: serde.json() }));
    const json: SameType<typeof retrying, RetryingClient<JsonValue>> = true;
    expect([same, json]).toEqual([true, true]);
    await retrying.close();
    expect(await value).toBeUndefined();
    await migration.close();
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
