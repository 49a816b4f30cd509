import type { Key } from '../protocol/keys.js';

/** A key, or pymemcache's `[routingKey, key]` pair: hash on the first, store under the second. */
export type RoutedKey = Key | readonly [routingKey: Key, key: Key];

/** The key an item is stored under: a plain key, or a routed pair's second part. */
export function storedKey(key: RoutedKey): Key {
  return Array.isArray(key) ? (key[1] as Key) : (key as Key);
}

/** `[routingKey, key]` or a plain key (a Uint8Array is a key, never a pair). */
export function split(key: RoutedKey): readonly [Key, Key] {
  return Array.isArray(key) ? (key as readonly [Key, Key]) : [key as Key, key as Key];
}
