// Adapters for the three peer clients. All use their typed APIs (@types/memjs,
// @types/memcached, memcache-client's own .d.ts), so no `any` is needed here.
import memjs from 'memjs';
import Memcached from 'memcached';
import { MemcacheClient, type MultiRetrievalResponse } from 'memcache-client';
import type { Adapter, Value } from './adapter.js';

export function createMemjsAdapter(address: string): Adapter {
  // memjs timeouts are in seconds.
  const client = memjs.Client.create(address, { timeout: 5, conntimeout: 2, keepAlive: true });
  const get = (key: string): Promise<Value> =>
    client.get(key).then((r) => (r.value === null ? undefined : r.value));
  return {
    name: 'memjs',
    notes: ['memjs has no multi-get: getMany is emulated with Promise.all of single gets'],
    getManyEmulated: true,
    asciiValues: false,
    get,
    set: (key, value) => client.set(key, value, { expires: 0 }),
    getMany: (keys) => Promise.all(keys.map(get)),
    close: () => client.close(),
  };
}

export function createMemcachedAdapter(address: string): Adapter {
  // poolSize 10 is 3rd-Eden's default; stated explicitly so the setup is visible.
  const client = new Memcached(address, { timeout: 5000, poolSize: 10 });
  // 3rd-Eden corrupts Buffers, so values are printable ASCII and sent as latin1
  // strings of the same length. The string is made once per distinct value.
  const strings = new WeakMap<Buffer, string>();
  const asString = (value: Buffer): string => {
    let s = strings.get(value);
    if (s === undefined) {
      s = value.toString('latin1');
      strings.set(value, s);
    }
    return s;
  };
  const toValue = (data: unknown): Value =>
    typeof data === 'string' || data instanceof Uint8Array ? data : undefined;
  return {
    name: 'memcached',
    notes: ['memcached (3rd-Eden) corrupts Buffers: it stores printable-ASCII latin1 strings of the same length'],
    getManyEmulated: false,
    asciiValues: true,
    get: (key) =>
      new Promise<Value>((resolve, reject) => {
        client.get(key, (err: unknown, data: unknown) => (err ? reject(err) : resolve(toValue(data))));
      }),
    set: (key, value) =>
      new Promise<boolean>((resolve, reject) => {
        client.set(key, asString(value), 0, (err: unknown, ok: boolean) => (err ? reject(err) : resolve(ok)));
      }),
    getMany: (keys) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        client.getMulti(keys, (err: unknown, data: Record<string, unknown>) => (err ? reject(err) : resolve(data)));
      }),
    close: () => client.end(),
  };
}

export function createMemcacheClientAdapter(address: string): Adapter {
  const client = new MemcacheClient({ server: address, cmdTimeout: 5000 });
  return {
    name: 'memcache-client',
    notes: ['memcache-client get([keys]) sends the whole multi-get to one server (fine: one server here)'],
    getManyEmulated: false,
    asciiValues: false,
    // At run time a miss resolves to undefined, whatever the .d.ts says.
    get: (key) => client.get<Buffer>(key).then((r): Value => r?.value),
    set: (key, value) => client.set(key, value),
    getMany: (keys) => client.get<MultiRetrievalResponse<Buffer>>(keys),
    close: () => client.shutdown(),
  };
}
