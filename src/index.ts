/**
 * rxmemcache: a reactive memcached client. Every command is a cold Observable that can also be awaited.
 * @packageDocumentation
 */
// Kept in the emitted declarations (preserve): they use Node's globals (Buffer, …) and TypeScript 7 loads
// no @types by default, so without it a user's compile fails unless they pass --types node.
/// <reference types="node" preserve="true" />
export { Client } from './client/client.js';
export { MemcacheClient, type CasResult, type CasMiss, type RawCommandOptions, type WrappedClient } from './client/memcache-client.js';
export { Codec, type StoreOptions, type NoreplyOption } from './client/codec.js';
export { CommandRunner } from './client/command-runner.js';
export { MetaCommands } from './client/meta-commands.js';
export { StampedeCommands } from './client/stampede-commands.js';
export type { GetOrSetOptions, InvalidateOptions, Loader, LeaseCommands } from './client/stampede.js';
export type {
  MetaGetOptions,
  MetaGetResult,
  MetaSetMode,
  MetaSetOptions,
  MetaSetResult,
  MetaDeleteOptions,
  MetaDeleteResult,
  MetaArithmeticOptions,
  MetaArithmeticResult,
} from './client/meta-types.js';
export { MAX_BINARY_KEY_LENGTH } from './protocol/meta-key.js';
export { WrappingExecutor, type Executor, type Load } from './executor/executor.js';
export type { Call, Split } from './executor/call.js';
export type { CommandInfo, CommandScope } from './commands/spec.js';
export type { Sink } from './client/command.js';
export { Command } from './client/command.js';
export { commandChannel, traceCommands, type CommandTrace, type CommandTraceHandlers, type ClientEvent, type ClientMetrics } from './client/telemetry.js';
export type { ClientOptions, OptionsFor, SerdeFor } from './client/options.js';
export { parseServerSpec, DEFAULT_PORT, type ServerSpec } from './client/server-spec.js';
export type { ConnectionHealth } from './connection/health.js';
export type { Endpoint, Transport, Writer } from './connection/transport.js';
export type { StatValue } from './commands/readers.js';
export { convertStat } from './commands/stats.js';
export {
  MemcacheError,
  MemcacheClientError,
  MemcacheUnknownCommandError,
  MemcacheIllegalInputError,
  MemcacheServerError,
  MemcacheUnexpectedCloseError,
  MemcacheUnknownError,
  MemcacheConnectionError,
  MemcacheTimeoutError,
  MemcachePoolTimeoutError,
  MemcacheClosedError,
  MemcacheSerdeError,
  MemcacheNoServersError,
  MemcacheClusterError,
  MemcacheQueueFullError,
  MemcacheAuthError,
  type MemcacheErrorOptions,
} from './errors.js';
export { MAX_KEY_LENGTH, type Key } from './protocol/keys.js';
export type { Frame, ValueFrame, BlockFrame, EndFrame, ErrorFrame, LineFrame } from './protocol/frames.js';
export { ResponseParser, DEFAULT_PARSER_LIMITS, type ParserLimits } from './protocol/parser.js';
export { parseFrames } from './protocol/parse-frames.js';
export * as serde from './serde/index.js';
export { defaultSerde, type DefaultValue } from './serde/default.js';
export type { Serde, Serialized, Serializer, Deserializer } from './serde/types.js';
export type { PythonValue, PythonSerdeOptions } from './serde/python.js';
export type { JsonValue } from './serde/json.js';
export type { Compressor, CompressedSerdeOptions } from './serde/compressed.js';
export { HashClient } from './cluster/hash-client.js';
export { ElastiCacheDiscovery, type ElastiCacheDiscoveryOptions, type DiscoveryFailure } from './discovery/index.js';
export type { HashClientOptions, RoutedKey, ClusterRing } from './cluster/hash-client.js';
export type { WeightedServer } from './cluster/membership.js';
export type { MembershipEvent } from './cluster/server-list.js';
export type { ServerHealth } from './cluster/server-health.js';
export type { Hasher, Ring, RingNode } from './cluster/hasher.js';
export { rendezvousHasher } from './cluster/rendezvous.js';
export { ketamaHasher } from './cluster/ketama.js';
export { murmur3_32 } from './cluster/murmur3.js';
export { PooledClient, type PooledClientOptions } from './pool/pooled-client.js';
export { FallbackClient } from './client/fallback-client.js';
export { RetryingClient, type RetryingClientOptions } from './client/retrying-client.js';
export type { PoolOptions, PoolStats } from './pool/pool-options.js';
export { MockMemcacheClient, type MockMemcacheClientOptions } from './mock/mock-client.js';
export { MemoryStore, type MemoryStoreOptions, type StoreHit } from './mock/memory-store.js';
export type { StoreStats } from './mock/store-stats.js';
