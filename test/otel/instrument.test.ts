import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { firstValueFrom, of, race } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient } from '../../src/index.js';
import { instrumentRxMemcache } from '../../src/otel/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { AsyncLocalContextManager } from './async-context.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalContextManager();
let a: MemcachedServer;
let b: MemcachedServer;

beforeAll(async () => {
  context.setGlobalContextManager(contextManager);
  [a, b] = await Promise.all([startMemcached(), startMemcached()]);
});
afterAll(async () => {
  context.disable();
  await Promise.all([a.stop(), b.stop()]);
});
afterEach(() => exporter.reset());

/** Runs `body` with the instrumentation on; returns the spans it made. */
async function spansOf(body: () => Promise<void>, options: Parameters<typeof instrumentRxMemcache>[0] = {}): Promise<ReadableSpan[]> {
  const stop = instrumentRxMemcache({ tracerProvider: provider, ...options });
  try {
    await body();
  } finally {
    stop();
  }
  return exporter.getFinishedSpans();
}

describe('instrumentRxMemcache', () => {
  it('makes a CLIENT span per command, named and attributed as the conventions say, without keys', async () => {
    const client = new Client(a.spec, { protocol: 'text' });
    try {
      const spans = await spansOf(async () => {
        await client.set('user:1', 'secret value', { noreply: false });
        await client.get('user:1');
        await client.getMany(['user:1', 'user:2']);
        await client.setMany(new Map([['user:3', 'x'], ['user:4', 'y']]), { noreply: false });
      });
      const target = `127.0.0.1:${a.port}`;
      expect(spans.map((s) => s.name)).toEqual([`set ${target}`, `get ${target}`, `get ${target}`, `BATCH set ${target}`]);
      expect(spans.every((s) => s.kind === SpanKind.CLIENT && s.status.code === SpanStatusCode.UNSET)).toBe(true);
      expect(spans[3]?.attributes).toEqual({
        'db.system.name': 'memcached',
        'db.operation.name': 'BATCH set',
        'db.operation.batch.size': 2,
        'server.address': '127.0.0.1',
        'server.port': a.port,
      });
      expect(spans.some((s) => 'db.query.text' in s.attributes)).toBe(false);
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('user:');
      expect(spans[0]?.instrumentationScope.name).toBe('rxmemcache');
    } finally {
      await client.close();
    }
  });

  it('records a failure: error status, error.type, the server’s status and the exception', async () => {
    const client = new Client(a.spec, { protocol: 'text' });
    try {
      await client.set('counter', 'not a number', { noreply: false });
      const spans = await spansOf(async () => {
        await client.incr('counter', 1).catch(() => undefined);
      });
      const [span] = spans;
      expect(span?.status.code).toBe(SpanStatusCode.ERROR);
      expect(span?.attributes).toMatchObject({ 'error.type': 'MemcacheClientError', 'db.response.status_code': 'CLIENT_ERROR', 'db.operation.name': 'incr' });
      expect(span?.events.map((e) => [e.name, e.attributes?.['exception.type']])).toEqual([['exception', 'MemcacheClientError']]);
    } finally {
      await client.close();
    }
  });

  it('is a child of the span active where the command is awaited or subscribed', async () => {
    const client = new Client(a.spec);
    const tracer = provider.getTracer('test');
    try {
      const spans = await spansOf(async () => {
        await tracer.startActiveSpan('awaits', async (parent) => {
          await client.get('k');
          parent.end();
        });
        const parent = tracer.startSpan('subscribes');
        await context.with(trace.setSpan(context.active(), parent), () => firstValueFrom(client.get('k')));
        parent.end();
        await client.get('no-parent');
      });
      const byName = (name: string) => spans.filter((s) => s.name === name);
      const [awaits] = byName('awaits');
      const [subscribes] = byName('subscribes');
      // The default protocol 'auto' found meta: the first get waited for the probe, and still has its parent.
      const gets = byName(`mg 127.0.0.1:${a.port}`);
      expect(gets.map((s) => s.parentSpanContext?.spanId)).toEqual([awaits?.spanContext().spanId, subscribes?.spanContext().spanId, undefined]);
      expect(gets[0]?.spanContext().traceId).toBe(awaits?.spanContext().traceId);
    } finally {
      await client.close();
    }
  });

  it.each(['text', 'auto'] as const)('keeps concurrent callers apart: each pipelined command is a child of its own caller (protocol %s)', async (protocol) => {
    // With 'auto' the eight gets all wait for the probe and go from its answer: each must keep its caller.
    const client = new Client(a.spec, { protocol });
    const tracer = provider.getTracer('test');
    const callers = Array.from({ length: 8 }, (_, i) => `caller-${i}`);
    try {
      const spans = await spansOf(async () => {
        await Promise.all(
          callers.map((name) =>
            tracer.startActiveSpan(name, async (parent) => {
              await client.get(name);
              parent.end();
            }),
          ),
        );
      }, { includeKeys: true });
      const idOf = new Map(spans.map((s) => [s.spanContext().spanId, s.name]));
      const gets = spans.filter((s) => s.name.startsWith(protocol === 'text' ? 'get ' : 'mg '));
      expect(gets.map((s) => s.attributes['db.query.text'])).toHaveLength(callers.length);
      // The key is the caller's name: `get <key>` or `mg <key> …`.
      for (const get of gets) expect(String(get.attributes['db.query.text']).split(' ')[1]).toBe(idOf.get(get.parentSpanContext?.spanId ?? '') ?? 'no parent');
    } finally {
      await client.close();
    }
  });

  it('gives each server of a HashClient its own spans, where the ring sends the keys', async () => {
    const cluster = new HashClient([a.spec, b.spec]);
    const keys = Array.from({ length: 40 }, (_, i) => `spread:${i}`);
    try {
      const spans = await spansOf(async () => {
        await cluster.set('one', 'v', { noreply: false });
        await cluster.getMany(keys);
      });
      const portOf = (spec: string) => Number(spec.slice(spec.lastIndexOf(':') + 1));
      const [set, ...gets] = spans;
      expect(set?.attributes['server.port']).toBe(portOf(cluster.serverFor('one') as string));
      const expected = new Set(keys.map((k) => portOf(cluster.serverFor(k) as string)));
      expect(new Set(gets.map((s) => s.attributes['server.port']))).toEqual(expected);
      expect(expected.size).toBe(2);
      expect(gets.every((s) => s.attributes['db.operation.name'] === 'get' && !('db.operation.batch.size' in s.attributes))).toBe(true);
    } finally {
      await cluster.close();
    }
  });

  it('records the command lines as db.query.text only when asked, never a value, cut to length', async () => {
    const client = new Client(a.spec, { protocol: 'text' });
    try {
      const many = Array.from({ length: 200 }, (_, i) => `key:${i}`);
      const spans = await spansOf(
        async () => {
          await client.set('user:1', 'secret value', { noreply: false });
          await client.getMany(many);
        },
        { includeKeys: true, maxQueryTextLength: 64 },
      );
      expect(spans[0]?.attributes['db.query.text']).toBe('set user:1 16 0 12');
      const long = String(spans[1]?.attributes['db.query.text']);
      expect(long.startsWith('get key:0 key:1 ')).toBe(true);
      expect(long.length).toBe(65);
      expect(long.endsWith('…')).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('ends the span of a command its caller gave up on, as cancelled and not failed', async () => {
    const client = new Client(a.spec, { protocol: 'text' });
    try {
      const spans = await spansOf(async () => {
        expect(await firstValueFrom(race(client.get('slow'), of('gave up')))).toBe('gave up');
        await client.get('after');
      });
      expect(spans.map((s) => [s.attributes['rxmemcache.cancelled'], s.status.code])).toEqual([
        [true, SpanStatusCode.UNSET],
        [undefined, SpanStatusCode.UNSET],
      ]);
    } finally {
      await client.close();
    }
  });

  it('stops making spans once switched off', async () => {
    const client = new Client(a.spec, { protocol: 'text' });
    try {
      const stop = instrumentRxMemcache({ tracerProvider: provider });
      stop();
      stop();
      await client.get('k');
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
