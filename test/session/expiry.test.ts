import { describe, expect, it } from 'vitest';
import { cookieLifetime, sessionExptime } from '../../src/session/expiry.js';

const NOW = Date.UTC(2027, 0, 1);
const DAY_S = 86_400;

describe('cookieLifetime', () => {
  it('reads expires first (a Date, or an ISO string after JSON), then maxAge', () => {
    expect(cookieLifetime({ expires: new Date(NOW + 1500), maxAge: 99_999 }, NOW)).toBe(1500);
    expect(cookieLifetime({ expires: new Date(NOW + 1500).toISOString() }, NOW)).toBe(1500);
    expect(cookieLifetime({ expires: null, maxAge: 2500 }, NOW)).toBe(2500);
    expect(cookieLifetime({ expires: 'not a date', maxAge: 2500 }, NOW)).toBe(2500);
  });

  it('is undefined for a cookie with no end', () => {
    expect(cookieLifetime({ expires: null, maxAge: null }, NOW)).toBeUndefined();
    expect(cookieLifetime({}, NOW)).toBeUndefined();
    expect(cookieLifetime(undefined, NOW)).toBeUndefined();
    expect(cookieLifetime({ maxAge: Number.NaN }, NOW)).toBeUndefined();
  });
});

describe('sessionExptime', () => {
  it('rounds milliseconds up to whole seconds, so a session never ends early', () => {
    expect(sessionExptime(1, NOW, DAY_S)).toBe(1);
    expect(sessionExptime(999, NOW, DAY_S)).toBe(1);
    expect(sessionExptime(1000, NOW, DAY_S)).toBe(1);
    expect(sessionExptime(1001, NOW, DAY_S)).toBe(2);
  });

  it('is null once the session has ended', () => {
    expect(sessionExptime(0, NOW, DAY_S)).toBeNull();
    expect(sessionExptime(-5000, NOW, DAY_S)).toBeNull();
  });

  it('uses the default ttl for a cookie with no end; ttl 0 never expires', () => {
    expect(sessionExptime(undefined, NOW, 3600)).toBe(3600);
    expect(sessionExptime(undefined, NOW, 0)).toBe(0);
  });

  it('sends 30 days as seconds, and longer as a Unix time', () => {
    expect(sessionExptime(30 * DAY_S * 1000, NOW, DAY_S)).toBe(30 * DAY_S);
    expect(sessionExptime(30 * DAY_S * 1000 + 1, NOW, DAY_S)).toBe(NOW / 1000 + 30 * DAY_S + 1);
    expect(sessionExptime(undefined, NOW, 40 * DAY_S)).toBe(NOW / 1000 + 40 * DAY_S);
  });

  it('caps a Unix time at 2038-01-19, which memcached would read as already expired', () => {
    expect(sessionExptime(100 * 365 * DAY_S * 1000, NOW, DAY_S)).toBe(2 ** 31 - 1);
  });
});
