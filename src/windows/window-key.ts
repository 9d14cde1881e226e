// The store and changelog key of a windowed table entry: the table key and its window in one byte
// string laid out so that one key's windows are one range scan, in window-start order (README:
// "Windowed tables", which documents the layout for other tools):
//
//   u32 BE length of the key bytes | key bytes (the table key's codec) | start | end
//
// with start and end as 64-bit big-endian integers offset by 2^63 (so negative times sort first).
// One reserved entry per partition, whose length field is 0xFFFFFFFF (no key is that long), holds
// the partition's window clock (window-clock.ts).

import type { WindowRange } from './window-math.js';

const OFFSET = 1n << 63n;
const LENGTH_BYTES = 4;
const TIME_BYTES = 8;
const RESERVED_LENGTH = 0xffff_ffff;

/** The key of a window's entry. */
export function windowKey(key: Buffer, window: WindowRange): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + key.length + 2 * TIME_BYTES);
  out.writeUInt32BE(key.length, 0);
  key.copy(out, LENGTH_BYTES);
  out.writeBigUInt64BE(BigInt(window.start) + OFFSET, LENGTH_BYTES + key.length);
  out.writeBigUInt64BE(BigInt(window.end) + OFFSET, LENGTH_BYTES + key.length + TIME_BYTES);
  return out;
}

/** The range of every window of `key`, for a store scan: `[gte, lt)`. */
export function keyRange(key: Buffer): { gte: Buffer; lt: Buffer } {
  const gte = Buffer.allocUnsafe(LENGTH_BYTES + key.length);
  gte.writeUInt32BE(key.length, 0);
  key.copy(gte, LENGTH_BYTES);
  return { gte, lt: Buffer.concat([gte, Buffer.alloc(2 * TIME_BYTES + 1, 0xff)]) };
}

/** A window entry's key bytes and window; undefined for the reserved entry or bytes of another layout. */
export function parseWindowKey(bytes: Buffer): { key: Buffer; window: WindowRange } | undefined {
  if (bytes.length < LENGTH_BYTES) return undefined;
  const length = bytes.readUInt32BE(0);
  if (length === RESERVED_LENGTH || bytes.length !== LENGTH_BYTES + length + 2 * TIME_BYTES) return undefined;
  const key = bytes.subarray(LENGTH_BYTES, LENGTH_BYTES + length);
  const start = Number(bytes.readBigUInt64BE(LENGTH_BYTES + length) - OFFSET);
  const end = Number(bytes.readBigUInt64BE(LENGTH_BYTES + length + TIME_BYTES) - OFFSET);
  return { key, window: { start, end } };
}

/** The key of the reserved entry holding the partition's window clock. */
export const CLOCK_KEY: Buffer = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from('window-clock')]);
