import { tracingChannel } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, MemcacheAuthError, MemcacheIllegalInputError, type ClientEvent, type CommandTrace } from '../../src/index.js';
import { Credentials, SecretBytes } from '../../src/secret.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// The auth password must never show: not in inspection (any depth, hidden properties too), not in
// JSON, not in errors, not in events or traces.
const PASSWORD = 'Pw-7f3Kq9-secret';
const WRONG = 'Wr0ng-9xQ2-guess';
const reply = { noreply: false } as const;

/** Every form a secret could take in a printout: as text, or as the bytes a Buffer would show. */
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  return [secret, hex, hex.replace(/(..)(?!$)/g, '$1 '), bytes.toString('base64'), [...bytes].join(',')];
}

function expectNoSecret(text: string, secret = PASSWORD): void {
  for (const form of forms(secret)) expect(text, `printout contains ${form}`).not.toContain(form);
}

/** What a user could print of `value`, the deepest way Node allows; JSON may refuse cycles. */
function printouts(value: unknown): string[] {
  const out = [inspect(value, { depth: Infinity, showHidden: true, getters: false }), inspect(value), String(value)];
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch (error) {
    out.push(String(error)); // a cycle: the message names properties, and must not name the secret either
  }
  return out;
}

/** Records every trace and event, printed at the moment they are published. */
function recordTelemetry(client: { events$: Client['events$'] }): { printed: string[]; stop: () => void } {
  const printed: string[] = [];
  const record = (trace: CommandTrace): void => void printed.push(...printouts(trace));
  const handlers = { start: record, end: record, asyncStart: record, asyncEnd: record, error: record };
  const channel = tracingChannel<CommandTrace, CommandTrace>('rxmemcache:command');
  channel.subscribe(handlers);
  const events = client.events$.subscribe((e: ClientEvent) => void printed.push(...printouts(e)));
  return {
    printed,
    stop: () => {
      channel.unsubscribe(handlers);
      events.unsubscribe();
    },
  };
}

let server: MemcachedServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rxmc-secrets-'));
  writeFileSync(join(dir, 'auth'), `ada:${PASSWORD}\n`);
  server = await startMemcached({ extraArgs: ['-Y', join(dir, 'auth')] });
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the auth password never shows', () => {
  it('in a connected Client, its telemetry, and util.inspect/JSON of either', async () => {
    const client = new Client(server.spec, { auth: { username: 'ada', password: PASSWORD } });
    const telemetry = recordTelemetry(client);
    try {
      expect(await client.set('k', 'v', reply)).toBe(true);
      expect(await client.get('k')).toBe('v');
      expect(telemetry.printed.length).toBeGreaterThan(0);
      for (const text of [...telemetry.printed, ...printouts(client)]) expectNoSecret(text);
      expect(inspect(client, { depth: Infinity })).toContain("Credentials { username: \"ada\", password: '[redacted]' }");
    } finally {
      telemetry.stop();
      await client.close();
    }
  });

  it('in the errors, events and traces of rejected credentials', async () => {
    const client = new Client(server.spec, { auth: { username: 'ada', password: WRONG }, timeout: 2000 });
    const telemetry = recordTelemetry(client);
    try {
      const error = await client.get('k').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MemcacheAuthError);
      const texts = [...printouts(error), (error as Error).stack ?? '', ...telemetry.printed, ...printouts(client)];
      for (const text of texts) expectNoSecret(text, WRONG);
    } finally {
      telemetry.stop();
      await client.close();
    }
  });

  it('in a HashClient, connected, inspected to any depth', async () => {
    const cluster = new HashClient([server.spec], { auth: { username: 'ada', password: PASSWORD } });
    try {
      expect(await cluster.set('k', 'v', reply)).toBe(true);
      expect(await cluster.get('k')).toBe('v');
      for (const text of printouts(cluster)) expectNoSecret(text);
    } finally {
      await cluster.close();
    }
  });

  it('in the error for credentials that cannot be sent', () => {
    const bad = 'has space'.replace(' ', ` ${PASSWORD} `);
    const error = (() => {
      try {
        return new Client(server.spec, { auth: { username: 'ada', password: bad } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MemcacheIllegalInputError);
    for (const text of [...printouts(error), (error as Error).stack ?? '']) expectNoSecret(text);
  });
});

describe('secret holders', () => {
  it('Credentials print without the password but still hand it over', () => {
    const auth = new Credentials('ada', PASSWORD);
    expect(auth.password).toBe(PASSWORD);
    expect(JSON.parse(JSON.stringify(auth))).toEqual({ username: 'ada', password: '[redacted]' });
    for (const text of printouts({ nested: { auth } })) expectNoSecret(text);
  });

  it('SecretBytes print only their length, as do arrays derived from them', () => {
    const bytes = new SecretBytes(Buffer.from(`ada ${PASSWORD}`));
    expect(Buffer.from(bytes).toString()).toBe(`ada ${PASSWORD}`);
    expect(inspect(bytes)).toBe(`SecretBytes(${4 + PASSWORD.length})`);
    for (const text of [...printouts(bytes), ...printouts(bytes.subarray(4)), `${bytes.slice(4)}`]) expectNoSecret(text);
  });
});
