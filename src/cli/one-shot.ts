import { MemcacheIllegalInputError, type HashClient } from '../index.js';
import type { Invocation } from './args.js';
import { painter, type Paint } from './ansi.js';
import { failureLines, perServer } from './per-server.js';
import { rawStats, statsTables } from './stats-table.js';
import { colorsWanted, type Terminal } from './terminal.js';

/** A CLI command: runs against the cluster, writes to the terminal, resolves to the exit code. */
export type CliCommand = (client: HashClient, invocation: Invocation, terminal: Terminal) => Promise<number>;

const line = (terminal: Terminal, text: string): void => void terminal.out.write(`${text}\n`);

/** `get <key>`: the value's bytes on stdout (a newline after it only on a terminal); a miss exits 1. */
export const get: CliCommand = async (client, { args: [key = ''] }, terminal) => {
  const value = await client.get(key);
  if (value === undefined) {
    terminal.err.write(`${key}: not found\n`);
    return 1;
  }
  terminal.out.write(typeof value === 'string' ? value : Buffer.from(value));
  if (terminal.out.isTTY === true) terminal.out.write('\n');
  return 0;
};

/** `set <key> <value> [--ttl s]`: stored as a UTF-8 string, waiting for the server's answer. */
export const set: CliCommand = async (client, { args: [key = '', value = ''], ttl }, terminal) => {
  const stored = await client.set(key, value, { expire: ttl, noreply: false });
  if (!stored) terminal.err.write(`${key}: not stored\n`);
  return stored ? 0 : 1;
};

/** `delete <key>`: exits 1 when there was no such key. */
export const remove: CliCommand = async (client, { args: [key = ''] }, terminal) => {
  const existed = await client.delete(key, { noreply: false });
  if (!existed) terminal.err.write(`${key}: not found\n`);
  return existed ? 0 : 1;
};

/** `incr <key> [delta]`: prints the new value; a missing key exits 1 (memcached does not create it). */
export const incr: CliCommand = async (client, { args: [key = '', delta = '1'] }, terminal) => {
  if (!/^[0-9]+$/.test(delta)) throw new MemcacheIllegalInputError(`delta must be a non-negative integer, got '${delta}'`);
  const value = await client.incr(key, BigInt(delta));
  if (value === null) {
    terminal.err.write(`${key}: not found\n`);
    return 1;
  }
  line(terminal, value.toString());
  return 0;
};

/** `flush`: `flush_all` on every server, one `server: OK` line each. */
export const flush: CliCommand = async (client, _invocation, terminal) => {
  const { answers, failed } = await perServer(client.flushAll(0, { noreply: false }));
  for (const server of answers.keys()) line(terminal, `${server}: OK`);
  return reportFailures(terminal, failed);
};

/** `version`: one `server version` line each. */
export const version: CliCommand = async (client, _invocation, terminal) => {
  const { answers, failed } = await perServer(client.version());
  for (const [server, text] of answers) line(terminal, `${server} ${text}`);
  return reportFailures(terminal, failed);
};

/** `stats [--raw]`: a readable table per server, or `server name value` lines with `--raw`. */
export const stats: CliCommand = async (client, { raw }, terminal) => {
  const { answers, failed } = await perServer(client.stats());
  const paint: Paint = painter(colorsWanted(terminal));
  for (const text of raw ? rawStats(answers) : statsTables(answers, paint)) line(terminal, text);
  return reportFailures(terminal, failed);
};

function reportFailures(terminal: Terminal, failed: Parameters<typeof failureLines>[0]): number {
  for (const text of failureLines(failed)) terminal.err.write(`${text}\n`);
  return failed.length === 0 ? 0 : 1;
}
