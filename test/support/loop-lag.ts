import { performance } from 'node:perf_hooks';

/**
 * Measures how long the event loop could not run (a loaded machine, GC, a synchronous stretch), so a
 * time budget can excuse it: on a loaded two-core machine a timer due in 300 ms may fire after 400,
 * which says nothing about the code under test. A heartbeat every `TICK` ms counts whatever a gap
 * exceeds the tick by, beyond normal jitter. It runs only while someone holds it and never keeps the
 * process alive.
 */
const TICK = 10;
const JITTER = TICK;

export class LoopLag {
  private total = 0;
  private last = 0;
  private holders = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  /** Starts measuring (counted: each `hold` needs its `release`). */
  hold(): void {
    if (this.holders++ > 0) return;
    this.last = performance.now();
    this.heartbeat = setInterval(() => this.beat(), TICK);
    this.heartbeat.unref();
  }

  release(): void {
    if (this.holders === 0 || --this.holders > 0) return;
    this.beat();
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Milliseconds of lag so far, including a stall still going on right now. */
  now(): number {
    return this.holders === 0 ? this.total : this.total + excess(performance.now() - this.last);
  }

  private beat(): void {
    const now = performance.now();
    this.total += excess(now - this.last);
    this.last = now;
  }
}

const excess = (gap: number): number => (gap > TICK + JITTER ? gap - TICK : 0);
