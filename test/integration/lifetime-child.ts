// Child of lifetime.test.ts: uses a client and never closes it; the test judges whether the process exits.
import { Client, HashClient, PooledClient } from '../../src/index.js';

const [server = '', kind = 'client', allow = 'true'] = process.argv.slice(2);
const allowExitOnIdle = allow === 'true';
const client =
  kind === 'hash'
    ? new HashClient([server], { allowExitOnIdle })
    : kind === 'pool'
      ? new PooledClient(server, { allowExitOnIdle, poolIdleTimeout: 1000 })
      : new Client(server, { allowExitOnIdle });
await client.set('lifetime', 'yes', { noreply: false });
const value = await client.get('lifetime');
process.stderr.write(`got ${String(value)}\n`);
