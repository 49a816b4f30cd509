import { VirtualTimeScheduler } from 'rxjs';
import { MemoryStore, type MemoryStoreOptions } from '../../src/mock/memory-store.js';

/** 2026-12-01T00:00:00Z, in Unix seconds: a realistic "now" for absolute exptimes. */
export const START = 1_796_083_200;

/** A store on a virtual clock that starts at {@link START} (plus `offsetMs`) and moves only when told. */
export function storeOnVirtualClock(options: Omit<MemoryStoreOptions, 'scheduler'> = {}, offsetMs = 0): {
  store: MemoryStore;
  /** Moves the clock forward by `seconds` (fractions allowed). */
  advance: (seconds: number) => void;
  /** Unix seconds now. */
  now: () => number;
} {
  const scheduler = new VirtualTimeScheduler();
  scheduler.frame = START * 1000 + offsetMs;
  const store = new MemoryStore({ ...options, scheduler });
  return {
    store,
    advance: (seconds) => {
      scheduler.frame += Math.round(seconds * 1000);
    },
    now: () => Math.floor(scheduler.frame / 1000),
  };
}

/** latin1 bytes of `text`. */
export const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');
/** latin1 text of `value`. */
export const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : Buffer.from(value).toString('latin1'));
