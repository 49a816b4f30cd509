#!/usr/bin/env node
/**
 * The `rxmemcache` command (`npx rxmemcache <command> [servers...]`); see `rxmemcache --help`.
 * @packageDocumentation
 */
import { runCli } from './run.js';
import { nodeTerminal } from './terminal.js';

// exitCode, not exit(): stdout may still be flushing into a pipe, and the client is already closed.
process.exitCode = await runCli(process.argv.slice(2), nodeTerminal());
