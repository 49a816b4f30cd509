// Adapter for the library under test. Kept in its own module and loaded with a
// dynamic import, so the peer children run even while src/ is incomplete.
import { Client } from '../src/index.js';
import type { Adapter } from './adapter.js';

export function createRxAdapter(address: string): Adapter {
  const client = new Client(address, { noDelay: true, timeout: 5000, connectTimeout: 2000 });
  return {
    name: 'rxmemcache',
    notes: [],
    getManyEmulated: false,
    asciiValues: false,
    // Commands are cold Observables that are also awaitable (PromiseLike).
    get: (key) => client.get(key),
    set: (key, value) => client.set(key, value, { noreply: false }),
    getMany: (keys) => client.getMany(keys),
    close: () => client.close(),
  };
}
