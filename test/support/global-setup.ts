// vitest globalSetup: fail fast, once, with the install hint when memcached is
// missing, instead of every integration test failing on its own.
import { ensureMemcachedBinary } from './memcached.js';

export default function setup(): () => void {
  const bin = ensureMemcachedBinary();
  if (process.env['RXMC_DEBUG'] !== undefined) console.log(`[rxmemcache tests] using ${bin}`);
  // Servers live in the test workers (each has its own registry and exit hook),
  // so there is nothing to tear down here.
  return () => {};
}
