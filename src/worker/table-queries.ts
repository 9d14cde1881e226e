// The table reads the web API serves: the declared tables, where a key's partition lives (this
// worker, or the owner the latest cluster assignment names), local reads and paged local scans.
// Built by the worker; the web layer sees it through the `TableQueries` type only.

import { ownerOf, type ClusterAssignment } from '../assignor/index.js';
import { StreamdError } from '../errors/index.js';
import { partitionForKey } from '../kafka/index.js';
import type { Tables } from '../tables/index.js';
import type { TableRuntime } from '../tables/table-runtime.js';
import type { WindowedRuntime } from '../tables/windowed-runtime.js';
import { scanWindows } from './window-scan.js';
import type { KeyLocation, TableInfo, TablePage, TableQueries } from './types.js';

export interface TableQueriesOptions {
  /** Undefined when the manifest declares no tables. */
  readonly tables: (Pick<Tables, 'runtimes'> & Partial<Pick<Tables, 'windowed'>>) | undefined;
  /** The latest cluster assignment; undefined before the first one. */
  readonly cluster: () => ClusterAssignment | undefined;
  readonly url: string;
}

const isLocal = (runtime: TableRuntime, partition: number): boolean => runtime.partitions.get(partition)?.isAttached === true;

/** Creates the worker's `TableQueries`. */
export function createTableQueries(options: TableQueriesOptions): TableQueries {
  const runtimeOf = (table: string): TableRuntime => {
    const runtime = options.tables?.runtimes.get(table);
    if (runtime === undefined) throw new StreamdError('STREAMD_UNKNOWN_TABLE', `no table named "${table}"; GET /tables lists them`);
    return runtime;
  };
  const infoOf = (runtime: TableRuntime): TableInfo => {
    const { declaration } = runtime;
    return {
      name: runtime.name,
      kind: declaration.kind,
      isGlobal: declaration.isGlobal,
      keyType: declaration.keyType.name,
      partitions: runtime.partitionCount,
      changelog: runtime.changelog,
      localPartitions: [...runtime.partitions.keys()].filter((p) => isLocal(runtime, p)).sort((a, b) => a - b),
      hasDefault: declaration.defaultValue !== undefined,
      ...(declaration.defaultValue === undefined ? {} : { defaultValue: runtime.defaultValue() }),
      ...(declaration.window === undefined ? {} : { window: declaration.window }),
    };
  };
  const windowedOf = (table: string): WindowedRuntime => {
    const windowed = options.tables?.windowed?.get(table);
    if (windowed === undefined) throw new StreamdError('STREAMD_NOT_WINDOWED', `table ${table} is not windowed`);
    return windowed;
  };
  return {
    url: options.url,
    list: () => [...(options.tables?.runtimes.values() ?? [])].map(infoOf),
    info: (table) => {
      const runtime = options.tables?.runtimes.get(table);
      return runtime === undefined ? undefined : infoOf(runtime);
    },
    locate: (table, key): KeyLocation => {
      const runtime = runtimeOf(table);
      const partition = partitionForKey(runtime.key.encode(key)!, runtime.partitionCount);
      const cluster = options.cluster();
      return { partition, isLocal: isLocal(runtime, partition), ownerUrl: cluster === undefined ? undefined : ownerOf(cluster, runtime.changelog, partition) };
    },
    read: async (table, key) => {
      const value = await runtimeOf(table).read(key, undefined);
      return value === undefined ? { found: false } : { found: true, value };
    },
    readWindows: async (table, key, filter) => {
      const windows = await windowedOf(table).windows(key, undefined, filter.at ?? filter.from, filter.at ?? filter.to);
      return filter.at === undefined ? windows : windows.filter((w) => w.start <= filter.at! && filter.at! < w.end);
    },
    scan: async (table, limit, after): Promise<TablePage> => {
      const windowed = options.tables?.windowed?.get(table);
      if (windowed !== undefined) return scanWindows(windowed, limit, after);
      const runtime = runtimeOf(table);
      // The cursor is a key: partitions before its partition are skipped, and in its partition the
      // store seeks past it (gone since, the page starts at the next key); later partitions start
      // at their first key. One entry past the page tells whether there is a next one.
      const afterBytes = after === undefined ? undefined : runtime.key.encode(after.key)!;
      const afterPartition = afterBytes === undefined ? -1 : partitionForKey(afterBytes, runtime.partitionCount);
      const held = [...runtime.partitions.values()].filter((p) => p.isAttached && p.partition >= afterPartition).sort((a, b) => a.partition - b.partition);
      const entries: { key: unknown; value: unknown }[] = [];
      for (const partition of held) {
        for await (const [key, value] of partition.entries(partition.partition === afterPartition ? afterBytes : undefined)) {
          if (entries.length === limit) return { entries, hasNext: true, next: entries[entries.length - 1]!.key };
          entries.push({ key: runtime.key.decode(key), value: runtime.value.decode(value) });
        }
      }
      return { entries, hasNext: false };
    },
  };
}
