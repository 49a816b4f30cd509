import type { SchedulerLike } from 'rxjs';

/**
 * 30 days in seconds: memcached 1.6.18 reads an exptime up to this as relative, anything larger as a
 * Unix time (protocol.txt, "Expiration times"; `REALTIME_MAXDELTA` in memcached.c).
 */
export const REALTIME_MAXDELTA = 2_592_000;

/**
 * memcached keeps `process_started` this far before its real start (`ITEM_UPDATE_INTERVAL` + 2), so its
 * relative clock (`current_time`) never reads 0 and "expired" can be written as exptime 1.
 */
const STARTED_EARLY = 62;

/**
 * memcached's second-granular relative clock, driven by an RxJS scheduler's `now()` (milliseconds) so
 * tests can move time with a TestScheduler or VirtualTimeScheduler.
 *
 * The store keeps every time in memcached's own unit (seconds since `process_started`) and converts
 * with the server's `realtime()` rules, because the edge cases (a Unix time in the past, a negative
 * value, a delayed flush_all) fall out of those rules and nowhere else.
 *
 * @example
 * ```ts
 * const clock = new MemcachedClock(asyncScheduler);
 * clock.realtime(10) === clock.current() + 10; // true
 * ```
 */
export class MemcachedClock {
  /** Unix seconds that relative time 0 stands for. */
  private readonly started: number;

  constructor(private readonly scheduler: SchedulerLike) {
    this.started = this.unixNow() - STARTED_EARLY;
  }

  /** memcached's `current_time`: whole seconds since `process_started`. */
  current(): number {
    return this.unixNow() - this.started;
  }

  /**
   * memcached's `realtime()` applied to an exptime as the text protocol parses it: read as a signed 32-bit
   * integer (larger values wrap, as the server's do), negative made "long ago"
   * (`EXPTIME_TO_POSITIVE_TIME`), 0 kept as "never", a Unix time at or before `process_started` made 1.
   */
  realtime(exptime: number): number {
    let value = exptime | 0;
    if (value === 0) return 0;
    if (value < 0) value = REALTIME_MAXDELTA + 1;
    if (value > REALTIME_MAXDELTA) return value <= this.started ? 1 : value - this.started;
    return value + this.current();
  }

  private unixNow(): number {
    return Math.floor(this.scheduler.now() / 1000);
  }
}
