import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemcacheClosedError, MemcacheIllegalInputError, MemcacheSerdeError, MockMemcacheClient, type Serde } from '../../src/index.js';
import { MemcacheStore, type SessionSerializer } from '../../src/session/index.js';
import { only } from '../support/only.js';
import { destroySession, getSession, sessionData, setSession, touchSession } from './callbacks.js';

// Unit tests over MockMemcacheClient (the emulated memcached 1.6.18) and a virtual clock: what the store
// sends and what its callbacks get. The HTTP tests against real memcached are express.test.ts.

const T0 = Date.UTC(2027, 0, 1);

function setup(options: { prefix?: string; ttl?: number } = {}) {
  const scheduler = new VirtualTimeScheduler();
  scheduler.frame = T0;
  const client = new MockMemcacheClient({ scheduler });
  const store = new MemcacheStore({ client, scheduler, ...options });
  const advance = (ms: number): void => {
    scheduler.frame += ms;
  };
  return { client, store, advance, now: () => scheduler.frame };
}

describe('MemcacheStore over the mock', () => {
  it('stores a session as JSON under sess:<sid> and reads it back', async () => {
    const { client, store } = setup();
    const session = sessionData(T0, 60_000, { user: 'ada' });
    expect(await setSession(store, 'abc', session)).toEqual({ error: undefined, value: undefined, calls: 1 });
    expect(JSON.parse(String(await client.get('sess:abc')))).toEqual(JSON.parse(JSON.stringify(session)));
    const read = await getSession(store, 'abc');
    expect(read).toMatchObject({ error: null, calls: 1 });
    expect(read.value).toEqual(JSON.parse(JSON.stringify(session)));
  });

  // The mock speaks the text protocol only (no metaGet), so an item's TTL is read off the clock.
  it('expires the item with the cookie, in whole seconds rounded up', async () => {
    const { client, store, advance } = setup({ prefix: 'app-sess:' });
    await setSession(store, 'abc', sessionData(T0, 1500));
    advance(1999);
    expect(await client.get('app-sess:abc')).toBeDefined();
    advance(1);
    expect(await client.get('app-sess:abc')).toBeUndefined();
  });

  it('gives a session without an end the default ttl', async () => {
    const { client, store, advance } = setup({ ttl: 600 });
    await setSession(store, 'abc', { cookie: { originalMaxAge: null, expires: null } } as never);
    advance(599_999);
    expect(await client.get('sess:abc')).toBeDefined();
    advance(1);
    expect(await client.get('sess:abc')).toBeUndefined();
  });

  it('reads a miss as (null, null)', async () => {
    const { store } = setup();
    expect(await getSession(store, 'nobody')).toEqual({ error: null, value: null, calls: 1 });
  });

  it('reads a session whose cookie has ended as a miss, though memcached still holds it for up to a second', async () => {
    const { client, store, advance } = setup();
    await setSession(store, 'abc', sessionData(T0, 1500));
    advance(1600);
    expect(await client.get('sess:abc')).toBeDefined();
    expect(await getSession(store, 'abc')).toEqual({ error: null, value: null, calls: 1 });
  });

  it('touch moves the expiry with memcached touch, without rewriting the session', async () => {
    const { client, store, advance, now } = setup();
    await setSession(store, 'abc', sessionData(T0, 60_000, { user: 'ada' }));
    advance(30_000);
    // A touch carries the session as this request saw it: a rewrite would store 'stale'.
    expect(await touchSession(store, 'abc', sessionData(now(), 60_000, { user: 'stale' }))).toMatchObject({ error: undefined, calls: 1 });
    expect(only(await client.stats())).toMatchObject({ cmd_touch: 1, cmd_set: 1 });
    advance(59_000); // 89 s after the set, whose 60 s the touch replaced
    expect(JSON.parse(String(await client.get('sess:abc')))).toMatchObject({ user: 'ada' });
    advance(1000);
    expect(await client.get('sess:abc')).toBeUndefined();
  });

  it('touch leaves a session that is gone gone', async () => {
    const { client, store } = setup();
    expect(await touchSession(store, 'gone', sessionData(T0, 60_000))).toMatchObject({ error: undefined, calls: 1 });
    expect(await client.get('sess:gone')).toBeUndefined();
  });

  it('set and touch with a cookie that has already ended delete the session', async () => {
    const { client, store } = setup();
    await setSession(store, 'a', sessionData(T0, 60_000));
    await setSession(store, 'b', sessionData(T0, 60_000));
    expect(await setSession(store, 'a', sessionData(T0, -1))).toMatchObject({ error: undefined, calls: 1 });
    expect(await touchSession(store, 'b', sessionData(T0, 0))).toMatchObject({ error: undefined, calls: 1 });
    expect(await client.getMany(['sess:a', 'sess:b'])).toEqual(new Map());
  });

  it('destroy deletes; destroying what is not there is no error', async () => {
    const { client, store } = setup();
    await setSession(store, 'abc', sessionData(T0, 60_000));
    expect(await destroySession(store, 'abc')).toEqual({ error: undefined, value: undefined, calls: 1 });
    expect(await client.get('sess:abc')).toBeUndefined();
    expect(await destroySession(store, 'abc')).toEqual({ error: undefined, value: undefined, calls: 1 });
  });
});

describe('MemcacheStore errors reach the callback once, never a throw', () => {
  it('a session id the key rules refuse', async () => {
    const { store } = setup();
    for (const run of [
      getSession(store, 'has space'),
      setSession(store, 'x'.repeat(300), sessionData(T0, 1000)),
      destroySession(store, 'a\r\nflush_all'),
      touchSession(store, '', sessionData(T0, 1000)),
    ]) {
      const result = await run;
      expect(result.error).toBeInstanceOf(MemcacheIllegalInputError);
      expect(result.calls).toBe(1);
    }
  });

  it('a session that cannot be serialized fails before anything is sent', async () => {
    const { client, store } = setup();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const result = await setSession(store, 'abc', sessionData(T0, 1000, { circular }));
    expect(result.error).toBeInstanceOf(MemcacheIllegalInputError);
    expect((result.error as Error).cause).toBeInstanceOf(TypeError);
    expect(only(await client.stats())).toMatchObject({ cmd_set: 0 });
  });

  it('a stored value that is not a session', async () => {
    const { client, store } = setup();
    for (const junk of ['not json', '[1]', '{"user":"ada"}', '42']) {
      await client.set('sess:junk', junk);
      const result = await getSession(store, 'junk');
      expect(result.error).toBeInstanceOf(MemcacheSerdeError);
      expect(result.calls).toBe(1);
    }
  });

  it('a closed client', async () => {
    const { client, store } = setup();
    await client.close();
    const results = await Promise.all([getSession(store, 'a'), setSession(store, 'a', sessionData(T0, 1000)), destroySession(store, 'a')]);
    for (const result of results) expect(result).toMatchObject({ calls: 1, error: expect.any(MemcacheClosedError) });
  });

  it('bad options fail at construction', () => {
    const client = new MockMemcacheClient();
    expect(() => new MemcacheStore({ client, ttl: -1 })).toThrow(MemcacheIllegalInputError);
    expect(() => new MemcacheStore({ client, ttl: 1.5 })).toThrow(MemcacheIllegalInputError);
    expect(() => new MemcacheStore({ client, prefix: 'has space:' })).toThrow(MemcacheIllegalInputError);
    expect(() => new MemcacheStore({ client: undefined as never })).toThrow(MemcacheIllegalInputError);
  });
});

describe('MemcacheStore over a client that does not store strings', () => {
  const bytesSerde: Serde<Uint8Array> = {
    serialize: (_key, value) => ({ value, flags: 0 }),
    deserialize: (_key, bytes) => bytes,
  };
  const bytesSerializer: SessionSerializer<Uint8Array> = {
    stringify: (session) => Buffer.from(JSON.stringify(session), 'utf8'),
    parse: (value) => JSON.parse(Buffer.from(value).toString('utf8')) as never,
  };

  it('needs a serializer of its own, and uses it', async () => {
    const client = new MockMemcacheClient<Uint8Array>({ serde: bytesSerde });
    // @ts-expect-error the default serializer writes strings, which this client cannot store
    void new MemcacheStore({ client });
    const store = new MemcacheStore({ client, serializer: bytesSerializer });
    await setSession(store, 'abc', sessionData(Date.now(), 60_000, { user: 'ada' }));
    expect((await getSession(store, 'abc')).value).toMatchObject({ user: 'ada' });
  });
});
