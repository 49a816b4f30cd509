import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * One timer for the earliest of many deadlines, which looks only after I/O has had its turn.
 *
 * Node runs due timers before it polls sockets. After the application blocks the event loop for longer
 * than a deadline (a big `JSON.parse`, a sync loop), a timer would judge the connection while the
 * replies that arrived meanwhile still sit unread in the socket. So a firing alarm first reschedules
 * itself with no delay: that lands in the next loop iteration, after the poll phase has read what is
 * there. In virtual time (TestScheduler) the second step runs in the same frame.
 */
export class Alarm {
  private timer: Subscription | undefined;
  private at = Number.POSITIVE_INFINITY;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly ring: () => void,
  ) {}

  /** Makes sure the alarm rings no later than `at` (scheduler clock); a later or infinite time is ignored. */
  arm(at: number): void {
    if (!Number.isFinite(at) || at >= this.at) return;
    this.timer?.unsubscribe();
    this.at = at;
    this.timer = this.scheduler.schedule(() => this.fire(), Math.max(0, at - this.scheduler.now()));
  }

  cancel(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.at = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    // Still armed for `at` while deferred, so a new deadline cannot re-arm it earlier in between.
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.at = Number.POSITIVE_INFINITY;
      this.ring();
    }, 0);
  }
}
