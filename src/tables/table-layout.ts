// Where tables live in Kafka, decided at boot from the topics' partition counts: each table's count
// (declared, or the one count of the topics agents read), the changelogs to create, the check of
// existing ones, and the co-partition groups the assignor keeps together (Faust's rule: by count).

import type { CopartitionGroup } from '../assignor/index.js';
import { ConfigError } from '../errors/index.js';
import type { TopicPartition, TopicSpec } from '../kafka/index.js';
import type { TableRuntime } from './table-runtime.js';

/**
 * Decides each table's partition count from the topics its agents read (the table's own
 * `partitions`, else the one count those topics share) and returns the changelog topics to create.
 * `sourceTopics` are the topics agents consume (declared and repartition).
 */
export function resolvePartitionCounts(tables: Iterable<TableRuntime>, partitionsOf: ReadonlyMap<string, number>, sourceTopics: readonly string[], replicationFactor: number): TopicSpec[] {
  const counts = new Set(sourceTopics.map((t) => partitionsOf.get(t)).filter((n): n is number => n !== undefined));
  const specs: TopicSpec[] = [];
  for (const table of tables) {
    const declared = table.declaration.partitions;
    if (declared === undefined && counts.size !== 1) {
      throw new ConfigError(
        counts.size === 0
          ? `table ${table.name}: no agent reads a topic, so its partition count cannot be inferred; declare partitions: on the table`
          : `table ${table.name}: agents read topics with ${[...counts].sort().join(', ')} partitions, so the table's count is ambiguous; declare partitions: on the table (the count of the stream that writes it)`,
      );
    }
    table.partitionCount = declared ?? [...counts][0]!;
    specs.push({
      topic: table.changelog,
      partitions: table.partitionCount,
      replicationFactor,
      config: { 'cleanup.policy': 'compact' },
    });
  }
  return specs;
}

/** Checks existing changelogs against the counts `resolvePartitionCounts` decided. */
export function checkChangelogCounts(tables: Iterable<TableRuntime>, partitionsOf: ReadonlyMap<string, number>): void {
  for (const table of tables) {
    const actual = partitionsOf.get(table.changelog);
    if (actual !== undefined && actual !== table.partitionCount) {
      throw new ConfigError(
        `table ${table.name}: its changelog ${table.changelog} has ${actual} partitions but the table needs ${table.partitionCount} (co-partitioned with its source); ` +
          'bump the app version to start from a fresh changelog, or make the counts agree',
      );
    }
  }
}

/**
 * Co-partition groups for the assignor: every consumed topic and every partitioned table's
 * changelog with the same partition count go together (Faust groups by partition count).
 */
export function copartitionGroups(tables: Iterable<TableRuntime>, partitionsOf: ReadonlyMap<string, number>, subscribed: readonly string[]): CopartitionGroup[] {
  const groups = new Map<number, { topics: string[]; changelogs: string[] }>();
  const groupOf = (count: number): { topics: string[]; changelogs: string[] } => {
    let group = groups.get(count);
    if (group === undefined) groups.set(count, (group = { topics: [], changelogs: [] }));
    return group;
  };
  for (const topic of subscribed) {
    const count = partitionsOf.get(topic);
    if (count !== undefined) groupOf(count).topics.push(topic);
  }
  for (const table of tables) if (!table.isGlobal) groupOf(table.partitionCount).changelogs.push(table.changelog);
  return [...groups.values()].filter((g) => g.topics.length > 0).map((g) => ({ topics: g.topics.sort(), changelogs: g.changelogs.sort() }));
}

/** The changelog partitions co-partitioned with `partitions` (same number, same partition count). */
export function changelogPartitionsOf(tables: Iterable<TableRuntime>, partitionsOf: ReadonlyMap<string, number>, partitions: readonly TopicPartition[]): TopicPartition[] {
  const out: TopicPartition[] = [];
  for (const table of tables) {
    if (table.isGlobal) continue;
    const numbers = new Set(partitions.filter((tp) => partitionsOf.get(tp.topic) === table.partitionCount).map((tp) => tp.partition));
    for (const partition of [...numbers].sort((a, b) => a - b)) out.push({ topic: table.changelog, partition });
  }
  return out;
}
