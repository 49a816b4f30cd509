/**
 * The hooks every fault suite shares: a real memcached for the file, a fault proxy in front of it for
 * each test, and the end-of-test check that nothing escaped as an unhandled error or reached a ledger
 * after it had settled.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { stoppedNotifications, watchUnhandled } from './fault-harness.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { startMemcached, type MemcachedServer } from './memcached.js';

export interface FaultSuiteOptions {
  /** Start a real memcached before the file's tests and stop it after them. Default true. */
  readonly memcached?: boolean;
  /** Put a fresh fault proxy in front of that memcached for each test. Needs `memcached`. Default false. */
  readonly proxy?: boolean;
  /**
   * Runs first after each test, before the proxy closes and the checks: destroy the test's client
   * here, so that what its destruction causes is still watched.
   */
  readonly cleanup?: () => void;
}

/** What a fault suite's tests act on; each getter throws when the suite was not asked for it. */
export interface FaultSuite {
  /** The file's memcached (started in `beforeAll`). */
  readonly memcached: MemcachedServer;
  /** This test's fault proxy, forwarding to `memcached` (started in `beforeEach`). */
  readonly proxy: FaultProxy;
}

/**
 * Registers the fault-suite hooks in the calling file (or `describe`) and returns getters for what
 * they start. Call it before the file's own hooks: `beforeEach` hooks run in the order they are
 * registered, so a file's own `beforeEach` can use `proxy`, and (vitest runs `afterEach` hooks in
 * reverse) its own `afterEach` runs before these checks.
 *
 * Every fault suite must fail on a late unhandled error: a fault that surfaces as an unhandled
 * rejection or uncaught exception, even after its test has finished, is a bug in the client. Hence
 * the watch in every test, the short sleep after the test's client and proxy are gone, and the
 * check that no notification reached a ledger's subscriber after it had settled.
 *
 * @example
 * const suite = faultSuite({ proxy: true, cleanup: () => client?.destroy() });
 * it('…', () => { suite.proxy.set(fault.blackhole); … });
 */
export function faultSuite(options: FaultSuiteOptions = {}): FaultSuite {
  const withMemcached = options.memcached ?? true;
  const withProxy = options.proxy ?? false;
  if (withProxy && !withMemcached) throw new Error('faultSuite: the proxy forwards to the suite\'s memcached, so { proxy: true } needs { memcached: true }');
  let memcached: MemcachedServer | undefined;
  let proxy: FaultProxy | undefined;
  let unhandled: ReturnType<typeof watchUnhandled> | undefined;

  if (withMemcached) {
    beforeAll(async () => {
      memcached = await startMemcached();
    });
    afterAll(async () => {
      await memcached?.stop();
    });
  }
  beforeEach(async () => {
    unhandled = watchUnhandled();
    if (withProxy) {
      proxy = undefined; // a proxy that fails to start must not leave the last test's in its place
      proxy = await startFaultProxy(running(memcached, 'memcached').port);
    }
  });
  afterEach(async () => {
    options.cleanup?.();
    await proxy?.close();
    await sleep(20); // a late unhandled error would surface now
    unhandled?.stop();
    expect(unhandled?.seen).toEqual([]);
    expect(stoppedNotifications()).toEqual([]);
  });

  return {
    get memcached() {
      if (!withMemcached) throw new Error('faultSuite: this suite has no memcached (it was created with { memcached: false })');
      return running(memcached, 'memcached');
    },
    get proxy() {
      if (!withProxy) throw new Error('faultSuite: this suite has no fault proxy (create it with { proxy: true })');
      return running(proxy, 'proxy');
    },
  };
}

function running<T>(thing: T | undefined, name: string): T {
  if (thing === undefined) throw new Error(`faultSuite: the ${name} is not running yet; use it in a test or in a hook registered after faultSuite()`);
  return thing;
}
