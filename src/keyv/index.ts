/**
 * `rxmemcache/keyv`: a Keyv 5 storage adapter (what cache-manager 7, cacheable 2 and NestJS's cache
 * module sit on) over any rxmemcache client.
 * @packageDocumentation
 */
// Kept in the emitted declarations (preserve): they use Node's types, and TypeScript 7 loads no @types by
// default, so without it a user's compile fails unless they pass --types node.
/// <reference types="node" preserve="true" />
export { MemcacheKeyvStore, type MemcacheKeyvStoreOptions, type MemcacheKeyvEntry, type MemcacheKeyvStoreOpts } from './store.js';
export { exptimeFor, MAX_RELATIVE_EXPIRE } from './expiry.js';
