import { describe, expect, it } from 'vitest';
import { MemcacheIllegalInputError } from '../../src/index.js';
import { fit, painter, pad, visible } from '../../src/cli/ansi.js';
import { redraw } from '../../src/cli/top.js';
import { parseInvocation } from '../../src/cli/args.js';
import { bytes, count, duration, percent } from '../../src/cli/format.js';
import { progressLine } from '../../src/cli/progress.js';
import { colorsWanted } from '../../src/cli/terminal.js';

describe('units', () => {
  it.each([
    [0, '0B'], [1023, '1023B'], [1024, '1.00K'], [1536, '1.50K'], [67108864, '64.0M'], [200 * 1024 * 1024, '200M'], [3 * 1024 ** 3, '3.00G'],
  ])('bytes(%d) = %s', (value, text) => expect(bytes(value)).toBe(text));

  it.each([
    [0, '0s'], [999, '0s'], [42_000, '42s'], [184_000, '3m04s'], [7_500_000, '2h05m'], [273_600_000, '3d04h'], [-5, '0s'],
  ])('duration(%d) = %s', (ms, text) => expect(duration(ms)).toBe(text));

  it.each([
    [0, '0'], [2.5, '2.5'], [950, '950'], [999.6, '1000'], [1234, '1.23k'], [12_345, '12.3k'], [4_560_000, '4.56M'], [45_600_000, '45.6M'],
  ])('count(%d) = %s', (value, text) => expect(count(value)).toBe(text));

  it('percent has one decimal', () => expect(percent(0.975)).toBe('97.5%'));
});

describe('progressLine', () => {
  it('fills the bar in proportion and counts items', () => {
    expect(progressLine(3500, 10_000, 20)).toBe('[#######.............]  35%  3,500/10,000 items');
    expect(progressLine(0, 10, 4)).toBe('[....]   0%  0/10 items');
    expect(progressLine(10, 10, 4)).toBe('[####] 100%  10/10 items');
  });

  it('an empty file is complete', () => expect(progressLine(0, 0, 4)).toBe('[####] 100%  0/0 items'));
});

describe('colors', () => {
  const terminal = (isTTY: boolean, NO_COLOR?: string) => ({ out: { write: () => true, isTTY }, err: { write: () => true }, env: { NO_COLOR } });

  it('only on a terminal, and not when NO_COLOR is set to something', () => {
    expect(colorsWanted(terminal(true))).toBe(true);
    expect(colorsWanted(terminal(true, ''))).toBe(true);
    expect(colorsWanted(terminal(true, '1'))).toBe(false);
    expect(colorsWanted(terminal(false))).toBe(false);
  });

  it('padding counts visible characters, not escapes', () => {
    const red = painter(true)('down', 'red');
    expect(red).toBe('\u001b[31mdown\u001b[0m');
    expect(visible(pad(red, 6))).toBe('down  ');
    expect(painter(false)('down', 'red')).toBe('down');
  });

  it('fit cuts to the visible width, keeps escapes and resets a style it cut into', () => {
    const red = painter(true)('down', 'red');
    expect(fit('abcdef', 4)).toBe('abcd');
    expect(fit('abc', 4)).toBe('abc');
    expect(fit(`ab${red}xyz`, 4)).toBe('ab\u001b[31mdo\u001b[0m\u001b[0m');
    expect(visible(fit(`ab${red}xyz`, 4))).toBe('abdo');
    expect(fit(`${red}xyz`, 6)).toBe(`${red}xy\u001b[0m`);
  });

  it('redraw goes home, cuts each line to the width, clears to the end of each line and below', () => {
    expect(redraw(['abcdef', 'gh'], 4)).toBe('\u001b[Habcd\u001b[K\r\ngh\u001b[K\u001b[J');
    expect(redraw(['abcdef'])).toBe('\u001b[Habcdef\u001b[K\u001b[J');
  });
});

describe('parseInvocation', () => {
  it('servers: trailing arguments, else --servers, else MEMCACHED_SERVERS, else 127.0.0.1:11211', () => {
    const env = { MEMCACHED_SERVERS: 'env-a:1, env-b:2' };
    expect(parseInvocation(['get', 'k', 'a:1', 'b:2'], env).servers).toEqual(['a:1', 'b:2']);
    expect(parseInvocation(['get', 'k', '--servers', 'c:3,d:4'], env).servers).toEqual(['c:3', 'd:4']);
    expect(parseInvocation(['get', 'k'], env).servers).toEqual(['env-a:1', 'env-b:2']);
    expect(parseInvocation(['get', 'k'], {}).servers).toEqual(['127.0.0.1:11211']);
    expect(parseInvocation(['get', 'k'], { MEMCACHED_SERVERS: ' , ' }).servers).toEqual(['127.0.0.1:11211']);
  });

  it("incr's delta is told from a server by being all digits", () => {
    expect(parseInvocation(['incr', 'k', '5', 'a:1'], {})).toMatchObject({ args: ['k', '5'], servers: ['a:1'] });
    expect(parseInvocation(['incr', 'k', 'a:1'], {})).toMatchObject({ args: ['k'], servers: ['a:1'] });
    expect(parseInvocation(['incr', 'k'], {})).toMatchObject({ args: ['k'], servers: ['127.0.0.1:11211'] });
  });

  it('reads options', () => {
    expect(parseInvocation(['set', 'k', 'v', '--ttl', '60'], {}).ttl).toBe(60);
    expect(parseInvocation(['top', '-i', '250', '-n', '3'], {})).toMatchObject({ command: 'top', interval: 250, count: 3 });
    expect(parseInvocation(['keys'], {}).timeout).toBe(30_000);
    expect(parseInvocation(['stats', '--raw'], {}).raw).toBe(true);
  });

  it('help for --help, help or nothing at all', () => {
    for (const argv of [[], ['help'], ['--help'], ['get', '-h']]) expect(parseInvocation(argv, {}).command).toBe('help');
  });

  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['get'], /usage: rxmemcache get <key>/],
    [['set', 'k'], /usage: rxmemcache set <key> <value>/],
    [['get', 'k', '--nope'], /Unknown option '--nope'/],
    [['top', '--interval', '10'], /--interval must be an integer ≥ 100/],
    [['set', 'k', 'v', '--ttl', '1.5'], /--ttl must be an integer/],
    [['get', 'k', 'bad host:1'], /server/i],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseInvocation(argv, {})).toThrow(MemcacheIllegalInputError);
    expect(() => parseInvocation(argv, {})).toThrow(message);
  });
});
