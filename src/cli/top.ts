import { asyncScheduler, catchError, map, of, take, type Observable, type SchedulerLike } from 'rxjs';
import { MemcacheClusterError, type ServerHealth } from '../index.js';
import { fit, painter, screen } from './ansi.js';
import type { CliCommand } from './one-shot.js';
import type { Stats } from './top-model.js';
import { topModels } from './top-stream.js';
import { topLines } from './top-view.js';
import { colorsWanted, type Terminal } from './terminal.js';

/**
 * `top [--interval ms] [--count n]`: the cluster's live view. On a terminal it takes over the screen
 * (alternate screen, cursor hidden) and redraws in place until 'q', Ctrl-C, SIGINT or SIGTERM, then
 * puts the screen back as it was; elsewhere (a pipe, a file) it prints one screen after another.
 * `--count` stops after that many screens.
 */
export const top: CliCommand = (client, { interval, count }, terminal) => runTop(client, terminal, interval, count, asyncScheduler);

/** What `top` needs of a client; `HashClient` has it. */
export interface TopClient {
  stats(): Observable<ReadonlyMap<string, Stats>>;
  readonly health$: Observable<ReadonlyMap<string, ServerHealth>>;
}

/** `top` on any scheduler; resolves to the exit code once it stops. */
export function runTop(client: TopClient, terminal: Terminal, interval: number, count: number | undefined, scheduler: SchedulerLike): Promise<number> {
  return new Promise((resolve) => {
    const inPlace = terminal.out.isTTY === true;
    const settings = { interval, paint: painter(colorsWanted(terminal)) };
    const cleanups: Array<() => void> = [];
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      for (const cleanup of cleanups.splice(0)) cleanup();
      if (inPlace) terminal.out.write(screen.showCursor + screen.leaveAlternate);
      resolve(0);
    };
    if (inPlace) terminal.out.write(screen.enterAlternate + screen.hideCursor);
    const offKeys = terminal.keys?.onKey((key) => {
      if (key === 'q' || key === 'Q' || key === '\u0003') stop();
    });
    if (offKeys !== undefined) cleanups.push(offKeys);
    const offSignal = terminal.onSignal?.(() => stop());
    if (offSignal !== undefined) cleanups.push(offSignal);
    const screens$ = topModels({ stats: () => pollStats(client), health$: client.health$ }, interval, scheduler).pipe(
      map((model) => topLines(model, settings)),
      count === undefined ? (s: Observable<string[]>) => s : take(count),
    );
    const subscription = screens$.subscribe({
      next: (lines) => terminal.out.write(inPlace ? redraw(lines, terminal.out.columns) : `${lines.join('\n')}\n\n`),
      complete: stop,
    });
    // The subscription may have completed synchronously (a virtual scheduler), already stopped.
    if (stopped) subscription.unsubscribe();
    else cleanups.unshift(() => subscription.unsubscribe());
  });
}

/** One poll of every live server's stats; servers that failed are left out (their health tells why). */
function pollStats(client: TopClient): Observable<ReadonlyMap<string, Stats>> {
  return client.stats().pipe(
    catchError((error: unknown) => of(error instanceof MemcacheClusterError && error.partial instanceof Map ? (error.partial as Map<string, Stats>) : new Map<string, Stats>())),
  );
}

/**
 * Draws over the previous screen: home, each line cut to the terminal's width (a wrapped line would
 * push the screen down) and cleared to its end, and everything below cleared.
 */
export function redraw(lines: readonly string[], columns?: number): string {
  const cut = columns === undefined || columns <= 0 ? (line: string) => line : (line: string) => fit(line, columns);
  return screen.home + lines.map((line) => cut(line) + screen.clearLine).join('\r\n') + screen.clearBelow;
}
