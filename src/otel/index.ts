/**
 * `rxmemcache/otel`: OpenTelemetry spans for every rxmemcache command, from the `rxmemcache:command`
 * tracing channel. Needs `@opentelemetry/api` 1.x (an optional peer dependency); the main entry never
 * loads it.
 * @packageDocumentation
 */
// Kept in the emitted declarations (preserve): they use Node's types, and TypeScript 7 loads no @types by
// default, so without it a user's compile fails unless they pass --types node.
/// <reference types="node" preserve="true" />
export { instrumentRxMemcache, INSTRUMENTATION_NAME, type RxMemcacheInstrumentationOptions } from './instrument.js';
