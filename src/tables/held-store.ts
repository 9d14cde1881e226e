// The stores a worker holds for table partitions, and what each is for right now (active, standby,
// global, or idle: kept open for a later assignment).

import type { LocalPartition } from '../assignor/index.js';
import type { KafkaDriver, TopicPartition } from '../kafka/index.js';
import type { Store } from '../stores/index.js';
import type { KeyCensus } from './key-census.js';
import type { TablePositions } from './positions.js';
import type { TableRuntime } from './table-runtime.js';

export const tpId = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/** A store this worker holds for a table partition, and what it is for right now. */
export interface Held {
  readonly table: TableRuntime;
  readonly partition: number;
  store: Store;
  role: 'active' | 'standby' | 'global' | 'idle';
  /** The changelog offset the store holds (highest applied), when known. */
  offset: bigint | undefined;
  positions: TablePositions;
  /** While a restore into an empty store runs: how many keys it wrote, to skip a warm that cannot complete. */
  census?: KeyCensus | undefined;
}

/**
 * Table partitions whose stores are on this worker's disk (held, or a directory named
 * `<table>-<partition>` in the tables directory), with their offsets when known.
 */
export function localPartitions(runtimes: Iterable<TableRuntime>, held: ReadonlyMap<string, Held>, storeDirs: readonly string[]): LocalPartition[] {
  const out = new Map<string, LocalPartition>();
  for (const table of runtimes) {
    if (table.isGlobal) continue;
    for (let p = 0; p < table.partitionCount; p++) {
      const tp = { topic: table.changelog, partition: p };
      const found = held.get(tpId(tp));
      if (found?.offset !== undefined) out.set(tpId(tp), { ...tp, offset: found.offset });
      else if (found !== undefined || storeDirs.includes(`${table.name}-${p}`)) out.set(tpId(tp), tp);
    }
  }
  return [...out.values()];
}

/** The end offset (the last stable offset) of every partition of `topics`, by tpId. */
export async function changelogEnds(driver: KafkaDriver, topics: readonly string[]): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  if (topics.length === 0) return out;
  const admin = await driver.admin();
  try {
    for (const topic of topics) for (const { partition, latest } of await admin.offsets(topic)) out.set(tpId({ topic, partition }), latest);
  } finally {
    await admin.close();
  }
  return out;
}
