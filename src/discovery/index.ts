/**
 * Server discovery: server lists as Observables that `HashClient` follows.
 * @packageDocumentation
 */
export { ElastiCacheDiscovery, type ElastiCacheDiscoveryOptions, type DiscoveryFailure } from './elasticache-discovery.js';
