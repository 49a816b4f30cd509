import { VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';

/**
 * Node's event loop in virtual time, as two schedulers: `clock` carries timers (pass it as the
 * client's `scheduler`), one action per timer; a TestScheduler in run mode carries RxJS's
 * asapScheduler (end-of-tick work), always at its frame 0. Keeping them apart is what lets a stall
 * run the due timers first, at the late time, then read the sockets, then run the immediates.
 */
export class VirtualLoop {
  readonly clock = new VirtualTimeScheduler();
  /** When the last stall ended: deadlines that passed during it are only honoured then. */
  resumedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly ticks: TestScheduler) {}

  get scheduler(): SchedulerLike {
    return this.clock;
  }

  get now(): number {
    return this.clock.now();
  }

  /** Timers and immediates still scheduled. */
  get scheduled(): number {
    return this.clock.actions.length + this.ticks.actions.length;
  }

  /** Ends the current tick (its immediates, and those they schedule), then lets `ms` pass, timer by timer. */
  advance(ms: number): void {
    const target = this.now + ms;
    this.endTick();
    for (let next = this.clock.actions[0]; next !== undefined && next.delay <= target; next = this.clock.actions[0]) {
      this.clock.actions.shift();
      this.clock.frame = next.delay;
      this.execute(next);
      this.endTick();
    }
    this.clock.frame = target;
  }

  /**
   * The application blocks the loop for `ms`. When it resumes, every timer that came due runs first,
   * at the late time; then `readSockets` delivers what arrived meanwhile; then the immediates run, and
   * whatever the timers scheduled with no delay (it waits for the next turn, as in Node).
   */
  stall(ms: number, readSockets: () => void): void {
    this.endTick();
    const resumeAt = this.now + ms;
    const due = this.clock.actions.filter((action) => action.delay <= resumeAt);
    this.clock.frame = resumeAt;
    this.resumedAt = resumeAt;
    for (const action of due) {
      const at = this.clock.actions.indexOf(action);
      if (at < 0) continue;
      this.clock.actions.splice(at, 1);
      this.execute(action);
    }
    readSockets();
    this.advance(0);
  }

  /** Runs the immediates scheduled so far, and those they schedule. */
  endTick(): void {
    this.ticks.maxFrames = this.ticks.frame;
    this.ticks.flush();
  }

  private execute(action: (typeof this.clock.actions)[number]): void {
    const error: unknown = action.execute(action.state, action.delay);
    if (error !== undefined) throw error;
  }
}
