/**
 * `rxmemcache/otel`: OpenTelemetry spans for every rxmemcache command, from the `rxmemcache:command`
 * tracing channel. Needs `@opentelemetry/api` 1.x (an optional peer dependency); the main entry never
 * loads it.
 * @packageDocumentation
 */
export { instrumentRxMemcache, INSTRUMENTATION_NAME, type RxMemcacheInstrumentationOptions } from './instrument.js';
