// Argument checks shared by both store adapters, so they reject the same ranges and offsets.

import type { KeyRange } from './types.js';

/** Throws a RangeError for a `limit` that is not a non-negative integer. */
export function checkKeyRange(range: KeyRange): void {
  const { limit } = range;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
    throw new RangeError(`KeyRange.limit must be a non-negative integer, got ${limit}`);
  }
}

/** True when the range cannot hold a key: `limit` 0, or `lt` at or below `gte`. */
export function isEmptyKeyRange(range: KeyRange): boolean {
  if (range.limit === 0) return true;
  if (range.lt === undefined) return false;
  if (range.lt.length === 0) return true;
  return range.gte !== undefined && Buffer.compare(range.gte, range.lt) >= 0;
}

const MAX_OFFSET = 2n ** 63n - 1n;

/** Throws a RangeError for an offset outside Kafka's [0, 2^63). */
export function checkOffset(offset: bigint): void {
  if (offset < 0n || offset > MAX_OFFSET) throw new RangeError(`a changelog offset must be in [0, 2^63), got ${offset}`);
}
