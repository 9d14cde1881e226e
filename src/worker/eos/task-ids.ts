// Under exactly_once, the unit of a transaction: a task is one partition number of a co-partitioned
// group of topics (the topics a table ties together, which the assignor gives to one member), or of
// one topic when the app has no tables. Each task has its own transactional id, derived from the
// app, the group and the partition, so the member that takes a task over fences the one before.

import type { CopartitionGroup } from '../../assignor/index.js';
import type { TopicPartition } from '../../kafka/index.js';

export class TaskIds {
  readonly #prefix: string;
  /** Topic (source, repartition or changelog) → the name of its group: the group's first topic. */
  readonly #groupOf = new Map<string, string>();

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** The co-partitioned groups, known once the worker has described its topics. */
  useGroups(groups: readonly CopartitionGroup[]): void {
    this.#groupOf.clear();
    for (const group of groups) {
      const name = group.topics[0];
      if (name === undefined) continue;
      for (const topic of [...group.topics, ...(group.changelogs ?? [])]) this.#groupOf.set(topic, name);
    }
  }

  /** The task a partition of a consumed topic (or of a table's changelog) belongs to. */
  taskOf(tp: TopicPartition): string {
    return `${this.#groupOf.get(tp.topic) ?? tp.topic}-${tp.partition}`;
  }

  /** `<app>-<group or topic>-<partition>`. */
  transactionalId(task: string): string {
    return `${this.#prefix}-${task}`;
  }
}
