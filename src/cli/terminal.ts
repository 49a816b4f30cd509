/** Where a stream of text goes, and whether a person is looking at it. */
export interface Output {
  write(text: string | Uint8Array): unknown;
  /** True when the stream is a terminal (colors, progress bars, the in-place `top` view). */
  readonly isTTY?: boolean;
  /** Terminal width in columns, when known. */
  readonly columns?: number;
}

/** Keyboard input for `top` ('q' and Ctrl-C quit); absent when stdin is not a terminal. */
export interface KeyInput {
  onKey(listener: (key: string) => void): () => void;
}

/**
 * Everything the CLI touches outside itself, so commands can be run in tests with captured output.
 *
 * @example
 * ```ts
 * const exitCode = await runCli(['version'], nodeTerminal());
 * ```
 */
export interface Terminal {
  readonly out: Output;
  readonly err: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly keys?: KeyInput;
  /** Calls `listener` on SIGINT/SIGTERM until the returned function is called. */
  onSignal?(listener: (signal: string) => void): () => void;
}

/** Whether to color `out`: only on a terminal, and never when `NO_COLOR` is set to something (no-color.org). */
export function colorsWanted(terminal: Terminal): boolean {
  const noColor = terminal.env['NO_COLOR'];
  return terminal.out.isTTY === true && (noColor === undefined || noColor === '');
}

/**
 * The process's own terminal: stdout, stderr, the environment, raw-mode keys when stdin is a TTY,
 * and SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(process.argv.slice(2), nodeTerminal());
 * ```
 */
export function nodeTerminal(): Terminal {
  const stdin = process.stdin;
  const keys: KeyInput | undefined = stdin.isTTY
    ? {
        onKey(listener) {
          const onData = (chunk: Buffer): void => listener(chunk.toString('utf8'));
          stdin.setRawMode(true);
          stdin.on('data', onData);
          stdin.resume();
          return () => {
            stdin.off('data', onData);
            stdin.setRawMode(false);
            // A paused stdin no longer keeps the process alive.
            stdin.pause();
          };
        },
      }
    : undefined;
  // `rxmemcache keys | head` closes the pipe early: the reader has what it wanted, so end quietly
  // instead of dying on an unhandled EPIPE with a stack trace.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  return {
    out: process.stdout,
    err: process.stderr,
    env: process.env,
    ...(keys === undefined ? {} : { keys }),
    onSignal(listener) {
      const signals = ['SIGINT', 'SIGTERM'] as const;
      for (const s of signals) process.on(s, listener);
      return () => {
        for (const s of signals) process.off(s, listener);
      };
    },
  };
}
