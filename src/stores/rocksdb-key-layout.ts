// How RocksdbStore lays keys out in its one column family: every user key behind the byte 0x01, and
// the reserved records behind 0x00 — the changelog offset at 0x00 ‖ "changelog-offset" and the
// table's metadata blob at 0x00 ‖ "meta" — which no user key can equal and no iteration range
// (always inside [0x01, 0x02)) can reach.
//
// Why not a second column family for the records: rocksdb-native 3.18.1 ties a write batch to one
// column family, so the offset and meta could not go into the same atomic write as the data.

import { checkOffset } from './store-checks.js';
import type { KeyRange } from './types.js';

const USER_KEY_PREFIX = 0x01;
const USER_KEYS_START = Buffer.from([USER_KEY_PREFIX]);
const USER_KEYS_END = Buffer.from([USER_KEY_PREFIX + 1]);

/** The reserved key of the changelog-offset record. */
export const OFFSET_RECORD_KEY = Buffer.concat([Buffer.from([0x00]), Buffer.from('changelog-offset')]);

/** The reserved key of the metadata record; its value is the blob as written, no framing. */
export const META_RECORD_KEY = Buffer.concat([Buffer.from([0x00]), Buffer.from('meta')]);

const OFFSET_BYTES = 8;

/** The stored form of one user key. */
export function toStoredKey(key: Buffer): Buffer {
  const stored = Buffer.allocUnsafe(key.length + 1);
  stored[0] = USER_KEY_PREFIX;
  key.copy(stored, 1);
  return stored;
}

/** The stored forms of many user keys, sharing one allocation. */
export function toStoredKeys(keys: readonly Buffer[]): Buffer[] {
  let total = 0;
  for (const key of keys) total += key.length + 1;
  const block = Buffer.allocUnsafe(total);
  const out = new Array<Buffer>(keys.length);
  let at = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as Buffer;
    block[at] = USER_KEY_PREFIX;
    key.copy(block, at + 1);
    out[i] = block.subarray(at, at + key.length + 1);
    at += key.length + 1;
  }
  return out;
}

/** The user key of a stored key (a view, no copy). */
export function fromStoredKey(stored: Buffer): Buffer {
  return stored.subarray(1);
}

/** The stored bounds of a user range: never unbounded, so the reserved records stay outside. */
export function toStoredBounds(range: KeyRange): { readonly gte: Buffer; readonly lt: Buffer } {
  return {
    gte: range.gte === undefined ? USER_KEYS_START : toStoredKey(range.gte),
    lt: range.lt === undefined ? USER_KEYS_END : toStoredKey(range.lt),
  };
}

/** The offset record's value: 8 bytes, big-endian. */
export function encodeOffset(offset: bigint): Buffer {
  checkOffset(offset);
  const value = Buffer.allocUnsafe(OFFSET_BYTES);
  value.writeBigInt64BE(offset);
  return value;
}

/** The offset in a record's value, or `undefined` when the value is not a valid record. */
export function decodeOffset(value: Buffer): bigint | undefined {
  if (value.length !== OFFSET_BYTES) return undefined;
  const offset = value.readBigInt64BE();
  return offset < 0n ? undefined : offset;
}
