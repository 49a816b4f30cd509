// Test helpers: a store's callback API as promises, counting every call so a double callback fails the test.
import type { SessionData } from 'express-session';
import type { MemcacheStore } from '../../src/session/index.js';

export interface Outcome<T> {
  readonly error: unknown;
  readonly value: T | undefined;
  readonly calls: number;
}

/** Runs one store call; resolves with its first callback's outcome and how often it was called by the next tick. */
export function outcome<T>(run: (callback: (error?: unknown, value?: T) => void) => void): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    let calls = 0;
    let first: Omit<Outcome<T>, 'calls'> | undefined;
    run((error, value) => {
      calls++;
      first ??= { error, value };
      // A second call within the same turn would still be counted before this resolves.
      setImmediate(() => resolve({ ...(first as Omit<Outcome<T>, 'calls'>), calls }));
    });
  });
}

export const getSession = <V>(store: MemcacheStore<V>, sid: string): Promise<Outcome<SessionData | null>> =>
  outcome<SessionData | null>((cb) => store.get(sid, (error, value) => cb(error, value)));
export const setSession = <V>(store: MemcacheStore<V>, sid: string, session: SessionData): Promise<Outcome<undefined>> =>
  outcome((cb) => store.set(sid, session, cb));
export const touchSession = <V>(store: MemcacheStore<V>, sid: string, session: SessionData): Promise<Outcome<undefined>> =>
  outcome((cb) => store.touch(sid, session, cb));
export const destroySession = <V>(store: MemcacheStore<V>, sid: string): Promise<Outcome<undefined>> =>
  outcome((cb) => store.destroy(sid, cb));

/** A session as express-session hands it to a store, ending `lifetimeMs` after `now`. */
export function sessionData(now: number, lifetimeMs: number, extra: Record<string, unknown> = {}): SessionData {
  const cookie = { originalMaxAge: lifetimeMs, expires: new Date(now + lifetimeMs), httpOnly: true, path: '/' };
  return { cookie, ...extra } as unknown as SessionData;
}
