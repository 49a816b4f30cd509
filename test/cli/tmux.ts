// Drives a real terminal for `rxmemcache top`: a detached tmux session of a fixed size, its screen
// read with capture-pane, keys sent with send-keys. Waits poll the screen with a bound, never sleep.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { aptInstall, isRoot } from '../support/processes.js';

/** One tmux session running a command; `kill()` is safe to call twice. */
export interface TmuxSession {
  readonly name: string;
  /** The screen as text (`colors`: with its SGR escapes). */
  screen(colors?: boolean): string;
  /** A `#{format}` of the pane, e.g. `alternate_on` or `cursor_flag`. */
  pane(format: string): string;
  sendKeys(...keys: string[]): void;
  /** Polls the screen every 100 ms until `test` holds; fails after `ms` with the last screen. */
  waitFor(test: (screen: string) => boolean, what: string, ms?: number): Promise<string>;
  kill(): void;
}

/**
 * Makes sure the tmux binary is there, installing the Debian package as root (as the memcached set-up
 * does), else failing with what to do.
 */
export function ensureTmux(): void {
  const found = (): boolean => {
    try {
      execFileSync('tmux', ['-V'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (found()) return;
  if (isRoot()) aptInstall('tmux', 'tmux not found (the top tests read its screen)');
  if (!found()) throw new Error('tmux not found: the `rxmemcache top` tests need it. Install it with `apt-get install -y tmux`.');
}

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * Starts `argv` in a new 120x30 tmux session. The command runs under sh, which prints `[exited N]`
 * when it ends and keeps the pane open, so a test can read how it ended.
 */
export function startTmux(name: string, argv: readonly string[], env: Record<string, string> = {}): TmuxSession {
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const exports = Object.entries(env).map(([k, v]) => `${k}='${v}' `).join('');
  tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '30', `${exports}${quoted}; echo "[exited $?]"; sleep 600`);
  let alive = true;
  const session: TmuxSession = {
    name,
    screen: (colors = false) => tmux('capture-pane', '-p', ...(colors ? ['-e'] : []), '-t', name),
    pane: (format) => tmux('display-message', '-p', '-t', name, `#{${format}}`).trim(),
    sendKeys: (...keys) => void tmux('send-keys', '-t', name, ...keys),
    async waitFor(test, what, ms = 15_000) {
      const deadline = Date.now() + ms;
      let last = '';
      for (let i = 0; i < ms / 100 + 1 && Date.now() <= deadline; i++) {
        last = session.screen();
        if (test(last)) return last;
        await sleep(100);
      }
      throw new Error(`tmux ${name}: no ${what} within ${ms} ms; screen:\n${last}`);
    },
    kill() {
      if (!alive) return;
      alive = false;
      try {
        tmux('kill-session', '-t', name);
      } catch {
        // Already gone.
      }
    },
  };
  return session;
}

/** The pid of the program the session's shell started (its only child). */
export function childPid(session: TmuxSession): number {
  const shell = session.pane('pane_pid');
  const pid = Number(readFileSync(`/proc/${shell}/task/${shell}/children`, 'latin1').trim().split(' ')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`tmux ${session.name}: no program under shell ${shell}`);
  return pid;
}
