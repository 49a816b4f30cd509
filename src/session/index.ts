/**
 * rxmemcache/session: an express-session store (also usable by @fastify/session) over any rxmemcache client.
 * @packageDocumentation
 */
export { MemcacheStore, type MemcacheStoreOptions } from './memcache-store.js';
export { jsonSessionSerializer, type SessionSerializer } from './serializer.js';
