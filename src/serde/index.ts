/**
 * The serde family: how values become stored bytes and back. Import it as `serde` from the package root.
 * @packageDocumentation
 */
export { defaultSerde, type DefaultValue } from './default.js';
export { python, type PythonValue, type PythonSerdeOptions } from './python.js';
export { json, type JsonValue } from './json.js';
export { v8 } from './v8.js';
export { compressed, zstdAvailable, type Compressor, type CompressedSerdeOptions } from './compressed.js';
export { fromFunctions } from './legacy.js';
export * from './flags.js';
export type { Serde, Serialized, Serializer, Deserializer } from './types.js';
