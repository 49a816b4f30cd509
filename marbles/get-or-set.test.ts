import { catchError, EMPTY, mergeMap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheIllegalInputError, MemcacheTimeoutError } from '../src/index.js';
import { createFakeTransport, type Reply } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// getOrSet in virtual time, over the fake transport with scripted meta replies (what a real memcached
// answers each caller is covered against real servers in test/integration/stampede.test.ts; here the
// replies are scripted so the waits, backoff and deadlines can be checked to the millisecond).

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 60_000, connectTimeout: 500 };

/** Scripted meta replies, one per request of each verb in order; each gets the request's opaque echoed. */
function scripted(replies: Partial<Record<'mg' | 'ms' | 'md', string[]>>): (written: string) => Reply {
  return (written) => {
    const out: string[] = [];
    for (const line of written.split('\r\n')) {
      const [verb = ''] = line.split(' ');
      const next = verb === 'mg' || verb === 'ms' || verb === 'md' ? replies[verb]?.shift() : undefined;
      if (next === undefined) continue;
      const opaque = / (O\S+)/.exec(line)?.[1] ?? '';
      const end = next.indexOf('\r\n');
      out.push(`${next.slice(0, end)} ${opaque}${next.slice(end)}`);
    }
    return out.length === 0 ? undefined : out.join('');
  };
}

// memcached 1.6.18 reports the TTL of the placeholder a vivify win creates as -1 (never), and the real
// one (the lease) to later callers; an empty item due for a refresh (R) has a finite TTL when it wins.
const PLACEHOLDER_WON = 'VA 0 f0 c7 t-1 W\r\n\r\n';
const PLACEHOLDER_TAKEN = 'VA 0 f0 c7 t25 Z\r\n\r\n';
const EMPTY_DUE_WON = 'VA 0 f0 c7 t8 W\r\n\r\n';
const FRESH = 'VA 5 f16 c9\r\nfresh\r\n';
const STALE_WON = 'VA 3 f16 c8 X W\r\nold\r\n';
const STALE_TAKEN = 'VA 3 f16 c8 X Z\r\nold\r\n';

function rig(replies: Partial<Record<'mg' | 'ms' | 'md', string[]>>) {
  const scheduler = createTestScheduler();
  const fake = createFakeTransport({ scheduler, respond: scripted(replies) });
  const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
  /** Each write's time and its command lines (data blocks left out). */
  const sent = (): string[] => fake.writes.flatMap((w) => w.data.split('\r\n').filter((l) => /^m[gsd] /.test(l)).map((l) => `${w.time} ${l.replace(/ O\S+/, '')}`));
  return { scheduler, client, sent };
}

describe('getOrSet: a caller that lost the race', () => {
  it('polls with doubling backoff (10, 20, 40 ms) until the winner’s value appears; its loader never runs', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_TAKEN, PLACEHOLDER_TAKEN, PLACEHOLDER_TAKEN, FRESH] });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold<string>('5ms (x|)', { x: 'mine' });
      const options = { ttl: 60, lease: 5, timeout: 1000, poll: { initial: 10, max: 40 }, scheduler };
      expectObservable(client.getOrSet('k', () => loader, options)).toBe('70ms (v|)', { v: 'fresh' });
      expectSubscriptions(loader.subscriptions).toBe([]);
    });
    expect(sent()).toEqual(['0 mg k v f c t N5', '10 mg k v f c t N5', '30 mg k v f c t N5', '70 mg k v f c t N5']);
  });

  it('gives up at exactly its timeout with MemcacheTimeoutError: the last wait is cut to the deadline', () => {
    const { scheduler, client, sent } = rig({ mg: Array.from({ length: 9 }, () => PLACEHOLDER_TAKEN) });
    scheduler.run(({ expectObservable }) => {
      const options = { ttl: 60, timeout: 100, poll: { initial: 10, max: 40 } };
      const error = new MemcacheTimeoutError('getOrSet(k): another caller\'s value did not appear within 100 ms');
      expectObservable(client.getOrSet('k', () => 'mine', options)).toBe('100ms #', undefined, error);
    });
    expect(sent().map((l) => l.split(' ')[0])).toEqual(['0', '10', '30', '70', '100']);
  });

  it('with onTimeout "load", runs its own loader at the deadline and returns that value without storing it', () => {
    const { scheduler, client, sent } = rig({ mg: Array.from({ length: 9 }, () => PLACEHOLDER_TAKEN) });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold<string>('20ms (x|)', { x: 'mine' });
      const options = { ttl: 60, timeout: 100, poll: { initial: 50, max: 50 }, onTimeout: 'load' as const };
      expectObservable(client.getOrSet('k', () => loader, options)).toBe('120ms (v|)', { v: 'mine' });
      expectSubscriptions(loader.subscriptions).toBe('100ms ^ 19ms !');
    });
    expect(sent().filter((l) => l.includes('ms '))).toEqual([]);
  });

  it('gets a stale value at once while another caller refreshes it', () => {
    const { scheduler, client, sent } = rig({ mg: [STALE_TAKEN] });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold<string>('5ms (x|)', { x: 'mine' });
      expectObservable(client.getOrSet('k', () => loader, { ttl: 60 })).toBe('(v|)', { v: 'old' });
      expectSubscriptions(loader.subscriptions).toBe([]);
    });
    expect(sent()).toEqual(['0 mg k v f c t N30']);
  });

  it('stops polling when unsubscribed: no mg after the unsubscription', () => {
    const { scheduler, client, sent } = rig({ mg: Array.from({ length: 9 }, () => PLACEHOLDER_TAKEN) });
    scheduler.run(({ expectObservable }) => {
      const options = { ttl: 60, timeout: 1000, poll: { initial: 10, max: 40 } };
      expectObservable(client.getOrSet('k', () => 'mine', options), '^ 24ms !').toBe('');
    });
    expect(sent().map((l) => l.split(' ')[0])).toEqual(['0', '10']);
  });
});

describe('getOrSet: the caller that won', () => {
  it('on a miss runs the loader and stores its value over the placeholder’s cas, for ttl seconds', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_WON], ms: ['HD\r\n'] });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold<string>('200ms (x|)', { x: 'fresh' });
      expectObservable(client.getOrSet('k', () => loader, { ttl: 60, lease: 5, recache: 10 })).toBe('200ms (v|)', { v: 'fresh' });
      expectSubscriptions(loader.subscriptions).toBe('^ 199ms !');
    });
    expect(sent()).toEqual(['0 mg k v f c t N5 R10', '200 ms k 5 F16 T60 C7']);
  });

  it('over a stale item stores with its cas and I, so a value computed before a newer invalidation stays stale', () => {
    const { scheduler, client, sent } = rig({ mg: [STALE_WON], ms: ['HD\r\n'] });
    scheduler.run(({ expectObservable }) => {
      expectObservable(client.getOrSet('k', () => 'fresh', { ttl: 60 })).toBe('(v|)', { v: 'fresh' });
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '0 ms k 5 F16 T60 C8 I']);
  });

  it('still gets its own value when someone stored a fresher one meanwhile (EX): that one is kept', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_WON], ms: ['EX\r\n'] });
    scheduler.run(({ expectObservable }) => {
      expectObservable(client.getOrSet('k', () => 'mine', { ttl: 60 })).toBe('(v|)', { v: 'mine' });
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '0 ms k 4 F16 T60 C7']);
  });

  it('with a throwing loader, deletes its placeholder (by cas) and then fails with the loader’s error', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_WON], md: ['HD\r\n'] });
    const boom = new Error('database down');
    scheduler.run(({ cold, expectObservable }) => {
      const loader = cold<string>('50ms #', undefined, boom);
      expectObservable(client.getOrSet('k', () => loader, { ttl: 60 })).toBe('50ms #', undefined, boom);
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '50 md k C7']);
  });

  it('with a loader that throws over a stale item, marks it stale again so the next caller wins', () => {
    const { scheduler, client, sent } = rig({ mg: [STALE_WON], md: ['HD\r\n'] });
    const boom = new Error('database down');
    scheduler.run(({ expectObservable }) => {
      const loader = (): string => {
        throw boom;
      };
      expectObservable(client.getOrSet('k', loader, { ttl: 60 })).toBe('#', undefined, boom);
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '0 md k C8 I']);
  });

  it('with a loader that throws on the refresh win of a real empty item (flags 0), marks it stale again, not deleted', () => {
    const { scheduler, client, sent } = rig({ mg: [EMPTY_DUE_WON], md: ['HD\r\n'] });
    const boom = new Error('database down');
    scheduler.run(({ cold, expectObservable }) => {
      const loader = cold<string>('50ms #', undefined, boom);
      expectObservable(client.getOrSet('k', () => loader, { ttl: 60, recache: 10 })).toBe('50ms #', undefined, boom);
    });
    expect(sent()).toEqual(['0 mg k v f c t N30 R10', '50 md k C7 I']);
  });

  it('unsubscribed while loading: the loader is unsubscribed, nothing is stored, and the placeholder is deleted at once', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_WON], md: ['HD\r\n'] });
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const loader = cold<string>('200ms (x|)', { x: 'fresh' });
      expectObservable(client.getOrSet('k', () => loader, { ttl: 60 }), '^ 99ms !').toBe('');
      expectSubscriptions(loader.subscriptions).toBe('^ 99ms !');
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '100 md k C7']);
  });

  it('unsubscribed while refreshing a stale item: marks it stale again, so the next caller wins', () => {
    const { scheduler, client, sent } = rig({ mg: [STALE_WON, STALE_WON], md: ['HD\r\n'], ms: ['HD\r\n'] });
    scheduler.run(({ cold, expectObservable }) => {
      const slow = cold<string>('200ms (x|)', { x: 'slow' });
      const next = cold<string>('10ms (y|)', { y: 'next' });
      expectObservable(client.getOrSet('k', () => slow, { ttl: 60 }), '^ 49ms !').toBe('');
      const later = cold('60ms (g|)').pipe(mergeMap(() => client.getOrSet('k', () => next, { ttl: 60 })));
      expectObservable(later).toBe('70ms (v|)', { v: 'next' });
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '50 md k C8 I', '60 mg k v f c t N30', '70 ms k 4 F16 T60 C8 I']);
  });

  it('unsubscribed after its value came: the store goes ahead and nothing is given back', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_WON] });
    scheduler.run(({ cold, expectObservable }) => {
      const loader = cold<string>('20ms (x|)', { x: 'fresh' });
      // The server never answers the ms: the caller leaves while the store is in flight.
      expectObservable(client.getOrSet('k', () => loader, { ttl: 60 }), '^ 49ms !').toBe('');
    });
    expect(sent()).toEqual(['0 mg k v f c t N30', '20 ms k 5 F16 T60 C7']);
  });

  it('unsubscribed by destroy() while loading: the give-back fails quietly with the closed client, nothing unhandled', () => {
    const { scheduler, client, sent } = rig({ mg: [PLACEHOLDER_WON] });
    const errors: unknown[] = [];
    scheduler.run(({ cold, expectObservable }) => {
      const loader = cold<string>('200ms (x|)', { x: 'fresh' });
      const caller = client.getOrSet('k', () => loader, { ttl: 60 }).pipe(catchError((e: unknown) => (errors.push(e), EMPTY)));
      const subscription = caller.subscribe();
      scheduler.schedule(() => {
        client.destroy();
        subscription.unsubscribe();
      }, 30);
      expectObservable(cold('100ms (d|)')).toBe('100ms (d|)');
    });
    expect(errors).toEqual([]);
    expect(sent()).toEqual(['0 mg k v f c t N30']);
  });
});

describe('getOrSet and invalidate: input', () => {
  it('bad options and keys fail with MemcacheIllegalInputError before anything is sent', async () => {
    const { client, sent } = rig({});
    const bad = [{ ttl: -2 }, { ttl: 1.5 }, { ttl: 60, lease: 0 }, { ttl: 60, recache: -3 }, { ttl: 60, recache: 60 }, { ttl: 60, timeout: Number.NaN }, { ttl: 60, poll: { initial: 0 } }];
    for (const options of bad) await expect(client.getOrSet('k', () => 'v', options)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(client.getOrSet('bad key', () => 'v', { ttl: 60 })).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(client.invalidate('k', { staleTtl: -5 })).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    expect(sent()).toEqual([]);
  });

  it('invalidate marks the item stale for staleTtl seconds: true when it existed', () => {
    const { scheduler, client, sent } = rig({ md: ['HD\r\n', 'NF\r\n'] });
    scheduler.run(({ expectObservable }) => {
      expectObservable(client.invalidate('k', { staleTtl: 30 })).toBe('(t|)', { t: true });
      expectObservable(client.invalidate('gone')).toBe('(f|)', { f: false });
    });
    expect(sent()).toEqual(['0 md k I T30', '0 md gone I']);
  });
});
