import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HashClient } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { buildCli, type BuiltCli } from './cli-process.js';
import { childPid, ensureTmux, startTmux, type TmuxSession } from './tmux.js';

// `rxmemcache top` in a real terminal (tmux): three servers, one stopped by pid and restarted on its
// port, read off the screen. RXMC_TOP_CAPTURE=<file> saves the screen with one server down (and
// <file>.restarted the screen once it is back).

let cli: BuiltCli;
let servers: MemcachedServer[];
let session: TmuxSession | undefined;
let dir: string;

beforeAll(async () => {
  ensureTmux();
  cli = buildCli('cli-top');
  servers = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  dir = mkdtempSync(join(tmpdir(), 'rxmc-top-'));
});

afterEach(() => {
  session?.kill();
  session = undefined;
});

afterAll(async () => {
  await Promise.all((servers ?? []).map((s) => s.stop()));
  cli?.remove();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** The row of one server on the screen, split into cells. */
function row(screen: string, spec: string): string[] | undefined {
  return screen.split('\n').find((line) => line.startsWith(`${spec} `))?.trim().split(/\s+/);
}
const health = (screen: string, spec: string): string | undefined => row(screen, spec)?.[1];

/** Some gets and sets while the screen is read, so the rates are not all zero; bounded in count and time. */
async function traffic(specs: readonly string[], stop: { done: boolean }): Promise<void> {
  const client = new HashClient(specs, { timeout: 500 });
  const keys = Array.from({ length: 50 }, (_, i) => `top:${i}`);
  const deadline = Date.now() + 20_000;
  for (let i = 0; i < 1000 && !stop.done && Date.now() < deadline; i++) {
    await Promise.allSettled([client.setMany(keys.slice(0, 20).map((k) => [k, 'x'.repeat(100)] as const)), client.getMany(keys)]);
    await sleep(20);
  }
  await client.close();
}

describe('rxmemcache top in a terminal', () => {
  it('shows three servers up, one down once its process is killed, and up again once restarted on its port', async () => {
    const specs = servers.map((s) => s.spec);
    const [, stopped] = servers as [MemcachedServer, MemcachedServer, MemcachedServer];
    session = startTmux(`rxmc-top-${process.pid}`, [process.execPath, cli.main, 'top', '--interval', '250', ...specs]);
    const s = session;
    let screen = await s.waitFor((text) => text.includes('3 servers: 3 up') && specs.every((spec) => health(text, spec) === 'up'), 'three servers up');
    expect(s.pane('alternate_on')).toBe('1');
    expect(s.pane('cursor_flag')).toBe('0');
    expect(s.screen(true)).toMatch(/\u001b\[32mup/); // colored: a TTY and NO_COLOR unset
    const load = { done: false };
    const running = traffic(specs, load);
    try {
      process.kill(stopped.pid, 'SIGKILL');
      // Down for a couple of seconds, with traffic on the others: the screen the README shows.
      const downFor = (text: string): boolean => health(text, stopped.spec) === 'down' && /^([2-9]|[1-9][0-9])s$/.test(row(text, stopped.spec)?.[2] ?? '');
      screen = await s.waitFor((text) => downFor(text) && /[1-9]/.test(row(text, specs[0] as string)?.[3] ?? ''), 'the stopped server down');
      expect(screen).toContain('3 servers: 2 up, 1 not up');
      expect(row(screen, stopped.spec)?.slice(3)).toEqual(['-', '-', '-', '-', '-', '-', '-']);
      expect(health(screen, specs[0] as string)).toBe('up');
      expect(health(screen, specs[2] as string)).toBe('up');
      const capture = process.env['RXMC_TOP_CAPTURE'];
      if (capture !== undefined && capture !== '') writeFileSync(capture, screen);
    } finally {
      load.done = true;
      await running;
    }
    await stopped.restart();
    screen = await s.waitFor((text) => health(text, stopped.spec) === 'up' && text.includes('3 servers: 3 up'), 'the restarted server up');
    const captureUp = process.env['RXMC_TOP_CAPTURE'];
    if (captureUp !== undefined && captureUp !== '') writeFileSync(`${captureUp}.restarted`, screen);
    s.sendKeys('q');
    await s.waitFor((text) => text.includes('[exited 0]'), 'top to exit on q');
    expect(s.pane('alternate_on')).toBe('0');
    expect(s.pane('cursor_flag')).toBe('1');
  });

  it('a paused server (SIGSTOP: connections accepted, nothing answered) goes down without freezing the view', async () => {
    const [live, paused] = servers as [MemcachedServer, MemcachedServer, MemcachedServer];
    session = startTmux(`rxmc-top-pause-${process.pid}`, [process.execPath, cli.main, 'top', '--interval', '250', live.spec, paused.spec]);
    const s = session;
    await s.waitFor((text) => text.includes('2 servers: 2 up'), 'both servers up');
    paused.pause();
    try {
      const clock = (text: string): string | undefined => /([0-9:]{8}) UTC/.exec(text)?.[1];
      const first = await s.waitFor((text) => health(text, paused.spec) === 'down', 'the paused server down');
      // The view goes on: the clock in the title moves while the server stays paused.
      await s.waitFor((text) => clock(text) !== clock(first) && health(text, paused.spec) === 'down' && health(text, live.spec) === 'up', 'a later screen');
    } finally {
      paused.resume();
    }
    await s.waitFor((text) => text.includes('2 servers: 2 up'), 'the resumed server up');
  });

  it('SIGTERM puts the screen back and exits 0; NO_COLOR leaves the screen uncolored', async () => {
    session = startTmux(`rxmc-top-term-${process.pid}`, [process.execPath, cli.main, 'top', servers[0]?.spec ?? ''], { NO_COLOR: '1' });
    const s = session;
    await s.waitFor((text) => text.includes('1 server: 1 up'), 'the server up');
    expect(s.screen(true)).not.toMatch(/\u001b\[3[0-9]m/);
    process.kill(childPid(s), 'SIGTERM');
    await s.waitFor((text) => text.includes('[exited 0]'), 'top to exit on SIGTERM');
    expect(s.pane('alternate_on')).toBe('0');
    expect(s.pane('cursor_flag')).toBe('1');
  });

  it('Ctrl-C quits too', async () => {
    session = startTmux(`rxmc-top-int-${process.pid}`, [process.execPath, cli.main, 'top', servers[0]?.spec ?? '']);
    const s = session;
    await s.waitFor((text) => text.includes('1 server: 1 up'), 'the server up');
    s.sendKeys('C-c');
    await s.waitFor((text) => text.includes('[exited 0]'), 'top to exit on Ctrl-C');
    expect(s.pane('cursor_flag')).toBe('1');
  });

  it('load draws a progress bar on a terminal', async () => {
    const file = join(dir, 'many.jsonl');
    writeFileSync(file, Array.from({ length: 3000 }, (_, i) => JSON.stringify({ key: `bar:${i}`, value: i })).join('\n'));
    session = startTmux(`rxmc-load-${process.pid}`, [process.execPath, cli.main, 'load', file, '--batch', '100', servers[0]?.spec ?? '']);
    const screen = await session.waitFor((text) => text.includes('[exited'), 'load to finish');
    expect(screen).toContain('[##############################] 100%  3,000/3,000 items');
    expect(screen).toContain(`loaded 3000 of 3000 items from ${file}`);
    expect(screen).toContain('[exited 0]');
  });
});
