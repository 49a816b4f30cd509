import { expect } from 'vitest';
import type { MemcacheClient } from '../../src/index.js';

const reply = { noreply: false } as const;

/**
 * The storage verbs' replies on a fresh key, one after another: not stored while the key is missing,
 * then stored or refused as memcached defines them. Shared by the contract suite (every client) and the through-a-proxy suite.
 */
export async function expectStoreReplies(client: MemcacheClient, key: string): Promise<void> {
  expect(await client.replace(key, 'x', reply)).toBe(false);
  expect(await client.append(key, 'x', reply)).toBe(false);
  expect(await client.prepend(key, 'x', reply)).toBe(false);
  expect(await client.add(key, 'mid', reply)).toBe(true);
  expect(await client.add(key, 'again', reply)).toBe(false);
  expect(await client.append(key, '>', reply)).toBe(true);
  expect(await client.prepend(key, '<', reply)).toBe(true);
  expect(await client.get(key)).toBe('<mid>');
  expect(await client.replace(key, 'new', reply)).toBe(true);
}
