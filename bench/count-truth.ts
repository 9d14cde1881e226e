// The correctness gate of the counting workloads (B2, B4): record n of the data set is a view by
// `user-<n mod 10k>`, so the truth is known without reading the input back. Every system's final
// table, read from its stores or its changelog, is compared with it.

import type { Manifest } from '../src/manifest/index.js';
import { openStore } from '../src/stores/index.js';
import { tableStorePath } from '../src/worker/index.js';

/** Distinct users of the counting data sets: `user-00000` … `user-09999`. */
export const COUNT_KEYS = 10_000;

/** The user of record n. */
export const userOf = (n: number): string => `user-${String(n % COUNT_KEYS).padStart(5, '0')}`;

/** The JSON page view of record n (about 100 B), the value of every counting data set. */
export const pageViewOf = (n: number): string =>
  JSON.stringify({ user: userOf(n), page: `/p/${n % 1000}`, ref: 'search', seq: n, ts: 1_700_000_000_000 + n * 1000 });

/** Compares a final table (user → count) with the truth for `records` input records; empty when equal. */
export function countMismatches(found: ReadonlyMap<string, number>, records: number): string[] {
  const mismatches: string[] = [];
  let sum = 0;
  for (const count of found.values()) sum += count;
  const keys = Math.min(records, COUNT_KEYS);
  if (found.size !== keys) mismatches.push(`${found.size} keys in the table, expected ${keys}`);
  if (sum !== records) mismatches.push(`counts sum to ${sum}, expected ${records}`);
  for (let k = 0; k < keys && mismatches.length < 5; k++) {
    const user = userOf(k);
    const expected = Math.floor(records / COUNT_KEYS) + (k < records % COUNT_KEYS ? 1 : 0);
    if (found.get(user) !== expected) mismatches.push(`${user}: ${found.get(user) ?? 'missing'}, expected ${expected}`);
  }
  return mismatches;
}

/**
 * Every key and count in a stopped worker's partition stores of `table`, each under `entryOf` its
 * store key (default the key as text; undefined leaves the entry out).
 */
export async function storeCounts(manifest: Manifest, table: string, partitions: number, entryOf: (key: Buffer) => string | undefined = (key) => key.toString()): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let partition = 0; partition < partitions; partition++) {
    const store = await openStore('rocksdb://', { path: tableStorePath(manifest, table, partition) });
    try {
      for await (const [key, value] of store.iterate()) {
        const entry = entryOf(key);
        if (entry !== undefined) found.set(entry, JSON.parse(value.toString()) as number);
      }
    } finally {
      await store.close();
    }
  }
  return found;
}
