import { of, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { ServerHealth } from '../../src/index.js';
import { screen } from '../../src/cli/ansi.js';
import type { Terminal } from '../../src/cli/terminal.js';
import { runTop } from '../../src/cli/top.js';
import type { Stats } from '../../src/cli/top-model.js';

// The whole of `top` in virtual time, on a fake terminal: how it takes the screen, redraws, and gives it back.

const A = '127.0.0.1:40001';
const client = {
  stats: () => of(new Map<string, Stats>([[A, { pid: 1, uptime: 5, cmd_get: 0, cmd_set: 0, bytes: 0, limit_maxbytes: 1024, curr_connections: 1 }]])),
  health$: of(new Map<string, ServerHealth>([[A, { state: 'up', since: 0 }]])),
};

function fakeTerminal(isTTY: boolean) {
  const written: string[] = [];
  const keyListeners: Array<(key: string) => void> = [];
  const signalListeners: Array<(signal: string) => void> = [];
  const released = { keys: 0, signals: 0 };
  const terminal: Terminal = {
    out: { write: (text) => written.push(String(text)), isTTY, columns: 200 },
    err: { write: () => true },
    env: {},
    keys: { onKey: (l) => (keyListeners.push(l), () => void released.keys++) },
    onSignal: (l) => (signalListeners.push(l), () => void released.signals++),
  };
  return { terminal, written, press: (key: string) => keyListeners.forEach((l) => l(key)), signal: () => signalListeners.forEach((l) => l('SIGTERM')), released };
}

describe('runTop', () => {
  it('on a terminal: alternate screen and hidden cursor, a redraw per refresh, and q gives the screen back', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 3500);
    const t = fakeTerminal(true);
    const done = runTop(client, t.terminal, 1000, undefined, scheduler);
    scheduler.flush();
    expect(t.written[0]).toBe(screen.enterAlternate + screen.hideCursor);
    const redraws = t.written.slice(1);
    expect(redraws).toHaveLength(4); // at 0, 1000, 2000 and 3000 ms
    for (const r of redraws) expect(r.startsWith(screen.home) && r.endsWith(screen.clearBelow)).toBe(true);
    expect(redraws[3]).toContain('1 server: 1 up  every 1000 ms  00:00:03 UTC');
    t.press('x');
    expect(t.written).toHaveLength(5);
    t.press('q');
    await expect(done).resolves.toBe(0);
    expect(t.written.at(-1)).toBe(screen.showCursor + screen.leaveAlternate);
    expect(t.released).toEqual({ keys: 1, signals: 1 });
    // Stopped for good: no more refreshes, and a second quit writes nothing.
    const count = t.written.length;
    scheduler.maxFrames = 10_000;
    scheduler.flush();
    t.signal();
    expect(t.written).toHaveLength(count);
  });

  it('SIGTERM stops it the same way', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 500);
    const t = fakeTerminal(true);
    const done = runTop(client, t.terminal, 1000, undefined, scheduler);
    scheduler.flush();
    t.signal();
    await expect(done).resolves.toBe(0);
    expect(t.written.at(-1)).toBe(screen.showCursor + screen.leaveAlternate);
  });

  it('not on a terminal: plain screens one after another, no escapes; --count ends it', async () => {
    const scheduler = new VirtualTimeScheduler(VirtualAction, 10_000);
    const t = fakeTerminal(false);
    const done = runTop(client, t.terminal, 1000, 3, scheduler);
    scheduler.flush();
    await expect(done).resolves.toBe(0);
    expect(t.written).toHaveLength(3);
    expect(t.written.join('')).not.toContain('\u001b');
    expect(t.written[2]).toMatch(/^rxmemcache top {2}1 server: 1 up {2}every 1000 ms {2}00:00:02 UTC\n/);
    expect(t.released).toEqual({ keys: 1, signals: 1 });
  });
});
