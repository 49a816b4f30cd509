import { describe, expect, it } from 'vitest';
import { ReconnectGate } from '../src/connection/reconnect-gate.js';
import { MemcacheConnectionError, MemcacheUnexpectedCloseError } from '../src/index.js';

// The gate alone: which lost connections back off, and what the refusal says.

const fixed = (failures: number): number => failures * 100;

describe('ReconnectGate', () => {
  it('a connection that served resets the count; one that never served is a failed attempt, the first retried at once', () => {
    const gate = new ReconnectGate('s:1', fixed);
    const reset = new MemcacheConnectionError('read ECONNRESET');
    gate.lost(true, true, reset, 0);
    expect(gate.refusal(0)).toBeUndefined();
    gate.lost(false, true, reset, 0); // accepted, closed before any reply: a blip the first time
    expect(gate.refusal(0)).toBeUndefined();
    gate.lost(false, true, reset, 0); // again: backoff(1)
    expect(gate.refusal(99)?.message).toMatch(/^reconnecting to s:1 in 1 ms/);
    expect(gate.refusal(100)).toBeUndefined();
    gate.lost(false, false, reset, 100); // refused outright: backoff(3), no blip
    expect(gate.refusal(100)?.message).toMatch(/in 300 ms/);
    gate.up();
    expect(gate.refusal(100)).toBeUndefined();
  });

  it("keeps the server's last words when a later attempt sees only a reset", () => {
    const gate = new ReconnectGate('s:1', fixed);
    const said = 'ERROR Too many open connections';
    gate.lost(false, true, new MemcacheUnexpectedCloseError(`s:1 closed the connection after answering "${said}"`), 0, said);
    gate.lost(false, true, new MemcacheConnectionError('read ECONNRESET'), 0);
    const refusal = gate.refusal(0);
    expect(refusal?.message).toContain('read ECONNRESET');
    expect(refusal?.message).toContain(said);
    expect(refusal).toBeInstanceOf(MemcacheConnectionError);
  });
});
