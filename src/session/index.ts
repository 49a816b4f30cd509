/**
 * rxmemcache/session: an express-session store (also usable by @fastify/session) over any rxmemcache client.
 * @packageDocumentation
 */
// Kept in the emitted declarations (preserve): they use Node's globals (Buffer, …) and TypeScript 7 loads
// no @types by default, so without it a user's compile fails unless they pass --types node.
/// <reference types="node" preserve="true" />
export { MemcacheStore, type MemcacheStoreOptions } from './memcache-store.js';
export { jsonSessionSerializer, type SessionSerializer } from './serializer.js';
