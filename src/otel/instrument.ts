import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type TracerProvider } from '@opentelemetry/api';
import { traceCommands, type CommandTrace } from '../client/telemetry.js';

/** Options of `instrumentRxMemcache`. */
export interface RxMemcacheInstrumentationOptions {
  /** Where spans go. Default: the global provider (`trace.getTracerProvider()`), read once, now. */
  readonly tracerProvider?: TracerProvider;
  /**
   * Record the command lines, keys included, as `db.query.text`. Off by default: keys often hold user
   * ids or e-mail addresses. Values are never recorded.
   */
  readonly includeKeys?: boolean;
  /** How many characters of `db.query.text` to keep (default 256); longer text is cut and ends in `…`. */
  readonly maxQueryTextLength?: number;
}

/** The instrumentation scope of every span this module makes. */
export const INSTRUMENTATION_NAME = 'rxmemcache';

/**
 * Turns every command of every rxmemcache client into an OpenTelemetry CLIENT span, following the
 * database semantic conventions: named `{db.operation.name} {server.address}:{server.port}` (`get
 * 10.0.0.5:11211`, `BATCH set 10.0.0.5:11211`), with `db.system.name`, `db.operation.name`,
 * `server.address`, `server.port`, `db.operation.batch.size`, and on failure `error.type`,
 * `db.response.status_code`, an error status and the recorded exception. Each span is a child of the
 * context active where the command was subscribed (awaited). Returns what stops it.
 *
 * @example
 * ```ts
 * import { instrumentRxMemcache } from 'rxmemcache/otel';
 *
 * const stop = instrumentRxMemcache({ tracerProvider: provider });
 * await client.get('user:1'); // span "get 127.0.0.1:11211"
 * stop();
 * ```
 */
export function instrumentRxMemcache(options: RxMemcacheInstrumentationOptions = {}): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_NAME);
  const maxLength = options.maxQueryTextLength ?? 256;
  const spans = new WeakMap<CommandTrace, Span>();
  return traceCommands({
    start: (t) => {
      const attributes = attributesOf(t);
      if (options.includeKeys === true) attributes['db.query.text'] = t.queryText(maxLength);
      spans.set(t, tracer.startSpan(spanName(t), { kind: SpanKind.CLIENT, attributes }, context.active()));
    },
    error: (t) => spans.get(t)?.setAttributes(failureOf(t)),
    asyncEnd: (t) => {
      const span = spans.get(t);
      if (span === undefined) return;
      spans.delete(t);
      if (t.error !== undefined) {
        // Without `code`: the SDK would take our code as exception.type, where error.type has the class.
        const { name, message, stack } = t.error instanceof Error ? t.error : { name: undefined, message: String(t.error), stack: undefined };
        span.recordException({ ...(name === undefined ? {} : { name }), message, ...(stack === undefined ? {} : { stack }) });
        span.setStatus({ code: SpanStatusCode.ERROR, message: t.error instanceof Error ? t.error.message : String(t.error) });
      }
      if (t.cancelled === true) span.setAttribute('rxmemcache.cancelled', true);
      span.end();
    },
  });
}

/** "{db.operation.name} {target}", the target being `server.address:server.port` (a socket: its path). */
function spanName(t: CommandTrace): string {
  const port = t['server.port'];
  return `${t['db.operation.name']} ${port === undefined ? t['server.address'] : `${t['server.address']}:${port}`}`;
}

function attributesOf(t: CommandTrace): Attributes {
  const attributes: Attributes = {
    'db.system.name': t['db.system.name'],
    'db.operation.name': t['db.operation.name'],
    'server.address': t['server.address'],
  };
  if (t['server.port'] !== undefined) attributes['server.port'] = t['server.port'];
  if (t['db.operation.batch.size'] !== undefined) attributes['db.operation.batch.size'] = t['db.operation.batch.size'];
  return attributes;
}

function failureOf(t: CommandTrace): Attributes {
  const attributes: Attributes = { 'error.type': t['error.type'] ?? '_OTHER' };
  if (t['db.response.status_code'] !== undefined) attributes['db.response.status_code'] = t['db.response.status_code'];
  return attributes;
}
