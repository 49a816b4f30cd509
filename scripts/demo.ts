/**
 * The main job: a guided tour of rxmemcache against real memcached servers.
 *
 * Uses MEMCACHED_SERVERS (comma-separated specs) when set; otherwise starts its own memcached processes
 * on free loopback ports and stops them at the end.
 */
import { bufferCount, concatMap, from, lastValueFrom, mergeMap, retry, scan, tap } from 'rxjs';
import { Client, HashClient, type ConnectionHealth } from '../src/index.js';
import { startMemcached, type MemcachedServer } from '../test/support/memcached.js';

const say = (text: string): void => console.log(text);

function describeHealth(h: ConnectionHealth): string {
  const at = new Date(h.since).toISOString().slice(11, 23);
  return h.state === 'down' ? `down at ${at}${h.error ? ` (${h.error.name}: ${h.error.message})` : ''}` : `${h.state} at ${at}`;
}

async function servers(): Promise<{ specs: string[]; owned: MemcachedServer[] }> {
  const configured = process.env['MEMCACHED_SERVERS']?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (configured.length > 0) return { specs: configured, owned: [] };
  const owned = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  say(`started memcached on ${owned.map((s) => s.spec).join(' and ')} (pids ${owned.map((s) => s.pid).join(', ')})`);
  return { specs: owned.map((s) => s.spec), owned };
}

async function basics(client: Client): Promise<void> {
  say('\n== set / get');
  await client.set('demo:greeting', 'hello from rxmemcache', { noreply: false, expire: 300 });
  say(`get demo:greeting -> ${JSON.stringify(await client.get('demo:greeting'))}`);
  say(`get demo:missing  -> ${JSON.stringify(await client.get('demo:missing', 'a default'))}`);
  const bytes = Buffer.from([0, 13, 10, 255]);
  await client.set('demo:bytes', bytes, { noreply: false });
  say(`binary value back -> ${Buffer.from((await client.get('demo:bytes')) as Uint8Array).toString('hex')}`);
}

async function bulkLoad(client: Client, count: number): Promise<void> {
  say(`\n== pipelined bulk load of ${count} keys (64 in flight, noreply off so every store is confirmed)`);
  const started = process.hrtime.bigint();
  const stored = await lastValueFrom(
    from(Array.from({ length: count }, (_, i) => i)).pipe(
      mergeMap((i) => client.set(`demo:item:${i}`, `value-${i}`, { noreply: false }), 64),
      scan((done, ok) => done + (ok ? 1 : 0), 0),
      tap((done) => {
        if (done % 1000 === 0 || done === count) process.stdout.write(`\r  stored ${done}/${count}`);
      }),
    ),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  say(`\n  ${stored} stored in ${ms.toFixed(0)} ms (${Math.round((stored / ms) * 1000)} sets/s)`);
}

async function many(client: Client, count: number): Promise<void> {
  say('\n== getMany in batches of 500 keys');
  const hits = await lastValueFrom(
    from(Array.from({ length: count }, (_, i) => `demo:item:${i}`)).pipe(
      bufferCount(500),
      concatMap((keys) => client.getMany(keys)),
      scan((total, batch) => total + batch.size, 0),
    ),
  );
  say(`  ${hits} of ${count} keys found`);
}

async function casAndCounters(client: Client): Promise<void> {
  say('\n== cas and incr');
  await client.set('demo:doc', 'v1', { noreply: false });
  const { cas } = await client.gets('demo:doc');
  say(`gets demo:doc -> cas token ${String(cas)}`);
  say(`cas with that token      -> ${String(await client.cas('demo:doc', 'v2', cas as string))}`);
  say(`cas with the stale token -> ${String(await client.cas('demo:doc', 'v3', cas as string))} (someone changed it)`);
  await client.set('demo:counter', '18446744073709551613', { noreply: false });
  for (let i = 0; i < 3; i++) say(`incr demo:counter -> ${String(await client.incr('demo:counter', 1))}`);
}

async function healthTour(spec: string, owned: MemcachedServer | undefined): Promise<void> {
  say(`\n== health$ of a client for ${spec}`);
  const client = new Client(spec, { timeout: 300, connectTimeout: 300 });
  const sub = client.health$.subscribe((h) => say(`  health: ${describeHealth(h)}`));
  await client.set('demo:alive', 'yes', { noreply: false });
  if (owned === undefined) say('  (MEMCACHED_SERVERS is set: not stopping servers we do not own)');
  else {
    say(`  stopping the server (pid ${owned.pid})`);
    await owned.stop();
    const outcome = await client.get('demo:alive').then(
      (v) => `value ${JSON.stringify(v)}`,
      (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
    );
    say(`  get while it is down -> ${outcome}`);
    say('  restarting it on the same port');
    await owned.restart();
    // After a refused attempt the client backs off briefly (failing fast meanwhile): retry reactively.
    const back = await lastValueFrom(client.get('demo:alive', '(empty: a restarted memcached starts empty)').pipe(retry({ count: 20, delay: 50 })));
    say(`  get after restart (retried through the reconnect backoff) -> ${JSON.stringify(back)}`);
  }
  await client.close();
  sub.unsubscribe();
}

async function clusterTour(specs: string[], owned: MemcachedServer[]): Promise<void> {
  say(`\n== HashClient over ${specs.length} servers (rendezvous hashing, like pymemcache)`);
  const cluster = new HashClient(specs, { timeout: 300, connectTimeout: 300, retryAttempts: 1, retryTimeout: 200, deadTimeout: 1000 });
  let last = '';
  const sub = cluster.health$.subscribe((all) => {
    const line = [...all].map(([name, h]) => `${name}=${h.state}`).join('  ');
    if (line !== last && all.size > 0) say(`  health$: ${line}`);
    last = line;
  });
  const keys = Array.from({ length: 1000 }, (_, i) => `demo:cluster:${i}`);
  await cluster.setMany(keys.map((k) => [k, 'v'] as const), { noreply: false });
  const spread = new Map<string, number>();
  for (const k of keys) spread.set(cluster.serverFor(k) ?? '-', (spread.get(cluster.serverFor(k) ?? '-') ?? 0) + 1);
  say(`  1000 keys spread: ${[...spread].map(([n, c]) => `${n}: ${c}`).join(', ')}`);
  say(`  getMany of all 1000 (one parallel request per server) -> ${(await cluster.getMany(keys)).size} hits`);
  const victim = owned[2];
  if (victim === undefined) say('  (MEMCACHED_SERVERS is set: not stopping servers we do not own)');
  else {
    say(`  killing ${victim.spec}`);
    await victim.stop();
    const outcome = await cluster.getMany(keys).then(
      (m) => `${m.size} hits`,
      (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
    );
    say(`  getMany while it dies -> ${outcome}`);
    const moved = keys.filter((k) => cluster.serverFor(k) === victim.spec).length;
    say(`  keys still routed to it: ${moved} (its share moved to the live servers)`);
    say('  restarting it; it rejoins after deadTimeout once a probe answers');
    await victim.restart();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    say(`  keys routed to it again: ${keys.filter((k) => cluster.serverFor(k) === victim.spec).length}`);
  }
  await cluster.close();
  sub.unsubscribe();
}

async function main(): Promise<void> {
  const { specs, owned } = await servers();
  try {
    const client = new Client(specs[0] as string, { timeout: 2000 });
    await basics(client);
    await bulkLoad(client, 5000);
    await many(client, 5000);
    await casAndCounters(client);
    say(`\nstats: curr_items=${String([...(await client.stats()).values()][0]?.['curr_items'])}, version ${[...(await client.version()).values()].join(', ')}`);
    await client.close();
    await healthTour(specs[1] ?? (specs[0] as string), owned[1]);
    await clusterTour(specs, owned);
  } finally {
    await Promise.all(owned.map((s) => s.stop()));
  }
  say('\ndone.');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
