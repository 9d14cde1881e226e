// A page of a windowed table for GET /tables/:table: its (key, window) entries in store order, a
// page ending at a key boundary (so `next`, a key, resumes after all of that key's windows).

import { partitionForKey } from '../kafka/index.js';
import { keyRange, parseWindowKey } from '../windows/window-key.js';
import type { WindowedRuntime } from '../tables/windowed-runtime.js';
import type { TablePage } from './types.js';

export async function scanWindows(windowed: WindowedRuntime, limit: number, after?: { readonly key: unknown }): Promise<TablePage> {
  const { table } = windowed;
  const afterKey = after === undefined ? undefined : table.key.encode(after.key)!;
  // Past every window of the cursor key: its range's upper bound is above them all.
  const afterBytes = afterKey === undefined ? undefined : keyRange(afterKey).lt;
  const afterPartition = afterKey === undefined ? -1 : partitionForKey(afterKey, table.partitionCount);
  const held = [...table.partitions.values()].filter((p) => p.isAttached && p.partition >= afterPartition).sort((a, b) => a.partition - b.partition);
  const entries: { key: unknown; start: number; end: number; value: unknown; closed: boolean }[] = [];
  let lastKey: Buffer | undefined;
  for (const partition of held) {
    const clock = windowed.clocks.get(partition);
    for await (const [storeKey, value] of partition.entries(partition.partition === afterPartition ? afterBytes : undefined)) {
      const parsed = parseWindowKey(storeKey);
      if (parsed === undefined) continue;
      const isNewKey = lastKey === undefined || !lastKey.equals(parsed.key);
      if (isNewKey && entries.length >= limit) return { entries, hasNext: true, next: entries[entries.length - 1]!.key };
      lastKey = Buffer.from(parsed.key);
      const { start, end } = parsed.window;
      entries.push({ key: table.key.decode(parsed.key), start, end, value: table.value.decode(value), closed: clock?.isClosed(parsed.window, windowed.window.graceMs) ?? false });
    }
  }
  return { entries, hasNext: false };
}
