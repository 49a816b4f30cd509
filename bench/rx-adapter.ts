// Adapter for the library under test. Kept in its own module and loaded with a
// dynamic import, so the peer children run even while src/ is incomplete.
import { Client, PooledClient } from '../src/index.js';
import type { Adapter } from './adapter.js';

/** `Client` (the default protocol 'auto', or 'text' or 'meta'), or with `poolSize` a `PooledClient` of that many connections. */
export function createRxAdapter(address: string, poolSize?: 1 | 2 | 4, protocol?: 'text' | 'meta'): Adapter {
  const options = { noDelay: true, timeout: 5000, connectTimeout: 2000, ...(protocol === undefined ? {} : { protocol }) };
  const client = poolSize === undefined ? new Client(address, options) : new PooledClient(address, { ...options, maxPoolSize: poolSize });
  return {
    name: poolSize !== undefined ? `rxmemcache-pool${poolSize}` : protocol === undefined ? 'rxmemcache' : `rxmemcache-${protocol}`,
    notes: [],
    getManyEmulated: false,
    asciiValues: false,
    // Commands are cold Observables that are also awaitable (PromiseLike).
    get: (key) => client.get(key),
    set: (key, value) => client.set(key, value, { noreply: false }),
    // Text: resolved once written, unread. Meta (and auto on memcached 1.6.18): quiet, resolved true or
    // failed at the `mn` fence that follows.
    setNoreply: (key, value) => client.set(key, value, { noreply: true }),
    getMany: (keys) => client.getMany(keys),
    close: () => client.close(),
  };
}
