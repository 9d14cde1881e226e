// The native memory of the table stores a worker holds (RocksDB memtables and block caches), summed
// per table for the `streamd_store_memory_bytes` metric. Read at each scrape, never on the hot path.

import type { StoreMemorySum } from '../metrics/index.js';
import type { Store } from '../stores/index.js';

/**
 * Sums the memory of `stores` per table. Stores without native memory (memory://) are left out, and
 * so is a store closed while it was read (its partition was just revoked): it holds nothing any more.
 */
export async function storeMemoryByTable(stores: Iterable<{ readonly table: string; readonly store: Store }>): Promise<StoreMemorySum[]> {
  const reads = [...stores].map(async ({ table, store }) => ({ table, usage: await store.memoryUsage?.().catch(() => undefined) }));
  const byTable = new Map<string, { memtableBytes: number; blockCacheBytes: number }>();
  for (const { table, usage } of await Promise.all(reads)) {
    if (usage === undefined) continue;
    const sum = byTable.get(table) ?? { memtableBytes: 0, blockCacheBytes: 0 };
    sum.memtableBytes += usage.memtableBytes;
    sum.blockCacheBytes += usage.blockCacheBytes;
    byTable.set(table, sum);
  }
  return [...byTable].map(([table, sum]) => ({ table, ...sum }));
}
