// Child of lifetime.test.ts: uses a client and never closes it; the test judges whether the process exits.
import { Client, HashClient, PooledClient } from '../../src/index.js';

const [server = '', kind = 'client', allow = 'true'] = process.argv.slice(2);
const allowExitOnIdle = allow === 'true';
// A deadline far past the test's wait: a timer left armed after the last reply would hold the process.
const timeout = 120_000;
const client =
  kind === 'hash'
    ? new HashClient([server], { allowExitOnIdle, timeout })
    : kind === 'pool'
      ? new PooledClient(server, { allowExitOnIdle, timeout, poolIdleTimeout: 1000 })
      : new Client(server, { allowExitOnIdle, timeout });
await client.set('lifetime', 'yes', { noreply: false });
const value = await client.get('lifetime');
process.stderr.write(`got ${String(value)}\n`);
