/** The few ANSI escapes the CLI uses (ECMA-48 / xterm); no dependency needed for these. */
export const ESC = '\u001b[';

/** Screen control for the in-place `top` view. */
export const screen = {
  enterAlternate: `${ESC}?1049h`,
  leaveAlternate: `${ESC}?1049l`,
  hideCursor: `${ESC}?25l`,
  showCursor: `${ESC}?25h`,
  home: `${ESC}H`,
  clearLine: `${ESC}K`,
  clearBelow: `${ESC}J`,
} as const;

/** A style a piece of text can have. */
export type Style = 'bold' | 'dim' | 'inverse' | 'red' | 'green' | 'yellow' | 'cyan';

const CODES: Record<Style, string> = { bold: '1', dim: '2', inverse: '7', red: '31', green: '32', yellow: '33', cyan: '36' };

/** Paints text, or leaves it plain when colors are off. */
export type Paint = (text: string, style: Style) => string;

/**
 * A painter: SGR codes around the text when `enabled`, the text unchanged otherwise.
 *
 * @example
 * ```ts
 * const paint = painter(colorsWanted(terminal));
 * terminal.out.write(paint('down', 'red'));
 * ```
 */
export function painter(enabled: boolean): Paint {
  return enabled ? (text, style) => `${ESC}${CODES[style]}m${text}${ESC}0m` : (text) => text;
}

/** Text without SGR sequences: its visible width (all our text is single-width). */
export function visible(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Pads to `width` visible columns, left or right aligned, ignoring escapes. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - visible(text).length));
  return align === 'left' ? text + fill : fill + text;
}

/**
 * Cuts a line to `columns` visible characters, keeping its escapes (and resetting the style when it
 * cut inside one), so a narrow terminal does not wrap the in-place view onto the next line.
 *
 * @example
 * ```ts
 * fit('\u001b[31mdown\u001b[0m and more', 2); // '\u001b[31mdo\u001b[0m'
 * ```
 */
export function fit(line: string, columns: number): string {
  if (visible(line).length <= columns) return line;
  let out = '';
  let shown = 0;
  for (const part of line.split(/(\u001b\[[0-9;]*m)/)) {
    if (part.startsWith(ESC)) out += part;
    else {
      out += part.slice(0, Math.max(0, columns - shown));
      shown += Math.min(part.length, Math.max(0, columns - shown));
    }
  }
  return out.includes(ESC) ? `${out}${ESC}0m` : out;
}
