import { describe, expect, it } from 'vitest';
import { parseServerSpec, type ServerSpec } from '../src/client/server-spec.js';
import { convertStat } from '../src/commands/stats.js';
import * as errors from '../src/errors.js';
import {
  MemcacheClientError,
  MemcacheClosedError,
  MemcacheConnectionError,
  MemcacheError,
  MemcacheIllegalInputError,
  MemcacheServerError,
  MemcacheTimeoutError,
  MemcachePoolTimeoutError,
  MemcacheUnexpectedCloseError,
  MemcacheUnknownCommandError,
  MemcacheUnknownError,
} from '../src/errors.js';
import { checkCasToken, checkDelta, checkExpire, checkFlags, checkFlushDelay } from '../src/protocol/numbers.js';

const U32 = 0xffffffff;
const U64 = (1n << 64n) - 1n;

describe('number checks', () => {
  // memcached 1.6.18 reads exptime as a signed 32-bit integer (see test/integration/input-limits.test.ts).
  it.each([
    [undefined, '0'],
    [0, '0'],
    [60, '60'],
    [2592000, '2592000'],
    [-1, '-1'],
    [2 ** 31 - 1, '2147483647'],
    [-(2 ** 31), '-2147483648'],
  ] as const)('checkExpire(%s) -> %s', (input, out) => expect(checkExpire(input)).toBe(out));

  it.each([1.5, 2 ** 31, 4102444800, U32, U32 + 1, -(2 ** 31) - 1, -U32, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'checkExpire rejects %s, naming the range',
    (input) => {
      expect(() => checkExpire(input)).toThrow(MemcacheIllegalInputError);
      expect(() => checkExpire(input, 'ttl')).toThrow(/^ttl must be an integer number of seconds in -2147483648\.\.2147483647 /);
    },
  );

  it.each([0, 1, 2 ** 31 - 1])('checkFlushDelay accepts %s', (input) => expect(checkFlushDelay(input)).toBe(String(input)));
  it.each([-1, 2 ** 31, U32, 1.5, Number.NaN])('checkFlushDelay rejects %s', (input) => {
    expect(() => checkFlushDelay(input)).toThrow(/delay must be an integer number of seconds in 0\.\.2147483647/);
  });

  it.each([0, 1, U32])('checkFlags accepts %s', (input) => expect(checkFlags(input)).toBe(input));
  it.each([-1, U32 + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('checkFlags rejects %s', (input) => {
    expect(() => checkFlags(input)).toThrow(MemcacheIllegalInputError);
  });

  it.each([
    [0, '0'],
    [1, '1'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
    [0n, '0'],
    [U64, '18446744073709551615'],
  ] as const)('checkDelta(%s) -> %s', (input, out) => expect(checkDelta(input)).toBe(out));
  it.each([U64 + 1n, -1, -1n, 1.5, Number.NaN, 2 ** 53, Number.POSITIVE_INFINITY])('checkDelta rejects %s', (input) => {
    expect(() => checkDelta(input)).toThrow(MemcacheIllegalInputError);
  });

  it.each([
    ['0', '0'],
    ['12345', '12345'],
    ['18446744073709551615', '18446744073709551615'],
    [42n, '42'],
    [7, '7'],
  ] as const)('checkCasToken(%s) -> %s', (input, out) => expect(checkCasToken(input)).toBe(out));
  it.each(['', 'abc', '12 ', ' 12', '١٢', '-1', '1e3', '0x1f', '1'.repeat(21), '18446744073709551616', -1n, -1, 1.5])(
    'checkCasToken rejects %o',
    (input) => {
      expect(() => checkCasToken(input)).toThrow(MemcacheIllegalInputError);
      expect(() => checkCasToken(input)).toThrow(/cas token must be 1-20 decimal digits/);
    },
  );
});

describe('parseServerSpec', () => {
  it.each([
    [['localhost', 11211], { kind: 'tcp', host: 'localhost', port: 11211 }],
    ['localhost:11211', { kind: 'tcp', host: 'localhost', port: 11211 }],
    ['localhost', { kind: 'tcp', host: 'localhost', port: 11211 }],
    ['10.0.0.1:22122', { kind: 'tcp', host: '10.0.0.1', port: 22122 }],
    ['[::1]:11211', { kind: 'tcp', host: '::1', port: 11211 }],
    ['[::1]', { kind: 'tcp', host: '::1', port: 11211 }],
    ['[2001:db8::2]:1', { kind: 'tcp', host: '2001:db8::2', port: 1 }],
    ['/var/run/memcached/memcached.sock', { kind: 'unix', path: '/var/run/memcached/memcached.sock' }],
    ['unix:/path', { kind: 'unix', path: '/path' }],
    [{ host: 'cache', port: 65535 }, { kind: 'tcp', host: 'cache', port: 65535 }],
    [{ host: 'cache' }, { kind: 'tcp', host: 'cache', port: 11211 }],
    [{ path: '/tmp/mc.sock' }, { kind: 'unix', path: '/tmp/mc.sock' }],
  ] as Array<[ServerSpec, unknown]>)('accepts %j', (spec, endpoint) => {
    expect(parseServerSpec(spec)).toEqual(endpoint);
  });

  const ACCEPTED_FORMS = ["['host', port]", "'host:port'", "'host'", "'[::1]:port'", "'/path/to.sock'", "'unix:/path'", '{ host, port }', '{ path }'];
  it.each([
    42,
    null,
    undefined,
    '',
    'host:notaport',
    'host:70000',
    'host:0',
    'host:',
    'ho st',
    '::1:11211',
    '[::1',
    '[not-ipv6]:1',
    'unix:',
    {},
    ['h'],
    ['h', 1, 2],
    ['h', 1.5],
    ['', 11211],
    { host: 'h', port: -1 },
    { host: 'h', port: 65536 },
    { host: '' },
    { path: '' },
  ])('rejects %j listing the accepted forms', (spec) => {
    let caught: unknown;
    try {
      parseServerSpec(spec as unknown as ServerSpec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MemcacheIllegalInputError);
    const message = (caught as Error).message;
    expect(message).toMatch(/^unsupported server spec /);
    for (const form of ACCEPTED_FORMS) expect(message).toContain(form);
  });
});

describe('convertStat', () => {
  it.each([
    ['pid', '1', 1],
    ['rusage_user', '0:5', 0.5],
    ['rusage_system', '1.250000', 1.25],
    ['growth_factor', '1.25', 1.25],
    ['rusage_user', 'n/a', 'n/a'],
    ['rusage_user', '', ''],
    ['version', '1.6.18', '1.6.18'],
    ['inter', '0.0.0.0', '0.0.0.0'],
    ['umask', '777', 511],
    ['umask', '700', 448],
    ['foo', '', ''],
    ['cas_enabled', 'yes', true],
    ['evictions', 'on', true],
    ['evictions', 'off', false],
    ['binding_protocol', 'no', false],
    ['detail_enabled', '0', false],
    ['detail_enabled', '1', true],
    ['curr_items', '0', 0],
    ['total_items', '12345678901234567890', 12345678901234567890n],
    ['bytes', '9007199254740991', 9007199254740991],
    ['bytes', '9007199254740992', 9007199254740992n],
    ['delta', '-5', -5],
    ['libevent', '2.1.12-stable', '2.1.12-stable'],
    ['foo', 'abc', 'abc'],
  ] as const)('convertStat(%j, %j) -> %o', (name, value, out) => {
    expect(convertStat(name, value)).toStrictEqual(out);
  });
});

const TABLE = [
  { cls: MemcacheError, name: 'MemcacheError', code: 'MEMCACHE_ERROR', parents: [] },
  { cls: MemcacheClientError, name: 'MemcacheClientError', code: 'MEMCACHE_CLIENT_ERROR', parents: [MemcacheError] },
  { cls: MemcacheUnknownCommandError, name: 'MemcacheUnknownCommandError', code: 'MEMCACHE_UNKNOWN_COMMAND', parents: [MemcacheClientError, MemcacheError] },
  { cls: MemcacheIllegalInputError, name: 'MemcacheIllegalInputError', code: 'MEMCACHE_ILLEGAL_INPUT', parents: [MemcacheClientError, MemcacheError] },
  { cls: MemcacheServerError, name: 'MemcacheServerError', code: 'MEMCACHE_SERVER_ERROR', parents: [MemcacheError] },
  { cls: MemcacheUnexpectedCloseError, name: 'MemcacheUnexpectedCloseError', code: 'MEMCACHE_UNEXPECTED_CLOSE', parents: [MemcacheServerError, MemcacheError] },
  { cls: MemcacheUnknownError, name: 'MemcacheUnknownError', code: 'MEMCACHE_UNKNOWN_ERROR', parents: [MemcacheError] },
  { cls: MemcacheConnectionError, name: 'MemcacheConnectionError', code: 'MEMCACHE_CONNECTION_ERROR', parents: [MemcacheError] },
  { cls: MemcacheTimeoutError, name: 'MemcacheTimeoutError', code: 'MEMCACHE_TIMEOUT', parents: [MemcacheError] },
  { cls: MemcacheClosedError, name: 'MemcacheClosedError', code: 'MEMCACHE_CLOSED', parents: [MemcacheError] },
  { cls: MemcachePoolTimeoutError, name: 'MemcachePoolTimeoutError', code: 'MEMCACHE_POOL_TIMEOUT', parents: [MemcacheTimeoutError, MemcacheError] },
] as const satisfies ReadonlyArray<{ cls: typeof MemcacheError; name: string; code: string; parents: ReadonlyArray<typeof MemcacheError> }>;

describe('error classes', () => {
  it.each(TABLE)('$name: name, code, parents, cause', ({ cls, name, code, parents }) => {
    const cause = new Error('root');
    const error = new cls('boom', { cause });
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(cls.code).toBe(code);
    expect(error.message).toBe('boom');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
    expect(error instanceof cls).toBe(true);
    const ancestors: ReadonlyArray<typeof MemcacheError> = [cls, ...parents];
    for (const other of TABLE) expect(error instanceof other.cls, `${name} instanceof ${other.name}`).toBe(ancestors.includes(other.cls));
    expect('cause' in new cls('no cause')).toBe(false);
    expect(new cls('no cause').stack).toContain(name);
  });

  it('rejects non-errors and foreign errors', () => {
    for (const value of [null, undefined, 0, 'MemcacheError', {}, new Error('x'), Object.create(null) as object]) {
      for (const { cls } of TABLE) expect(value instanceof cls).toBe(false);
    }
  });

  it('brands live on the prototype chain: Object.create(prototype) is an instance of the class and its ancestors', () => {
    const fake = Object.create(MemcacheUnexpectedCloseError.prototype) as object;
    expect(fake instanceof MemcacheUnexpectedCloseError && fake instanceof MemcacheServerError && fake instanceof MemcacheError).toBe(true);
    expect(fake instanceof MemcacheUnknownError).toBe(false);
  });

  it('a Symbol.for brand alone decides instanceof, per class', () => {
    const onlyServer = { [Symbol.for('rxmemcache.error.MEMCACHE_SERVER_ERROR')]: true };
    expect(onlyServer instanceof MemcacheServerError).toBe(true);
    // Brands are per class: the base brand is a separate symbol that this object lacks.
    expect(onlyServer instanceof MemcacheError).toBe(false);
    expect(onlyServer instanceof MemcacheUnexpectedCloseError).toBe(false);
    const both = { ...onlyServer, [Symbol.for('rxmemcache.error.MEMCACHE_ERROR')]: true };
    expect(both instanceof MemcacheError && both instanceof MemcacheServerError).toBe(true);
    expect(both instanceof MemcacheClientError).toBe(false);
  });

  it('instanceof holds across two loaded copies of the module, both ways', async () => {
    // A query string makes the module loader evaluate errors.ts again: a genuine second copy.
    const specifier = '../src/errors.js?second-copy';
    const copy = (await import(specifier)) as typeof errors;
    expect(copy.MemcacheServerError).not.toBe(errors.MemcacheServerError);
    const foreign = new copy.MemcacheUnexpectedCloseError('closed', { cause: 'eof' });
    expect(foreign instanceof MemcacheUnexpectedCloseError && foreign instanceof MemcacheServerError && foreign instanceof MemcacheError).toBe(true);
    expect(foreign instanceof MemcacheClientError || foreign instanceof MemcacheTimeoutError).toBe(false);
    const local = new MemcacheIllegalInputError('bad');
    expect(local instanceof copy.MemcacheIllegalInputError && local instanceof copy.MemcacheClientError && local instanceof copy.MemcacheError).toBe(true);
    expect(local instanceof copy.MemcacheServerError).toBe(false);
    expect(errors.toConnectionError(foreign, 'x')).toBe(foreign);
  });

  it('a user subclass without its own code keeps plain instanceof semantics', () => {
    class AppCacheError extends errors.MemcacheServerError {}
    expect(new errors.MemcacheServerError('x')).not.toBeInstanceOf(AppCacheError);
    expect(new AppCacheError('x')).toBeInstanceOf(AppCacheError);
    expect(new AppCacheError('x')).toBeInstanceOf(errors.MemcacheServerError);
  });

  it('toConnectionError wraps foreign causes and keeps memcache errors', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const wrapped = errors.toConnectionError(reset, 'connection to h:1 failed');
    expect(wrapped).toBeInstanceOf(MemcacheConnectionError);
    expect(wrapped.message).toBe('connection to h:1 failed: read ECONNRESET');
    expect(wrapped.cause).toBe(reset);
    expect(errors.toConnectionError('weird', 'w').message).toBe('w: weird');
    const timeout = new MemcacheTimeoutError('t');
    expect(errors.toConnectionError(timeout, 'x')).toBe(timeout);
  });
});
