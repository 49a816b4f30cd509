/**
 * `rxmemcache/keyv`: a Keyv 5 storage adapter (what cache-manager 7, cacheable 2 and NestJS's cache
 * module sit on) over any rxmemcache client.
 * @packageDocumentation
 */
export { MemcacheKeyvStore, type MemcacheKeyvStoreOptions, type MemcacheKeyvEntry, type MemcacheKeyvStoreOpts } from './store.js';
export { exptimeFor, MAX_RELATIVE_EXPIRE } from './expiry.js';
