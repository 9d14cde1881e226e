// MemoryAdmin: topic management and offset queries on the embedded broker. Created by
// MemoryDriver.admin(); every call works directly on the MemoryCluster.

import { IllegalStateError } from '../../../errors/index.js';
import type { Admin, PartitionOffsets, TopicDescription, TopicPartitionOffset, TopicSpec } from '../../types.js';
import type { MemoryCluster } from './cluster.js';
import { runNow } from './run-now.js';

export class MemoryAdmin implements Admin {
  readonly #cluster: MemoryCluster;
  #isClosed = false;

  constructor(cluster: MemoryCluster) {
    this.#cluster = cluster;
  }

  /** Replication factors are accepted and ignored: the embedded broker keeps one copy. */
  createTopics(topics: readonly TopicSpec[]): Promise<void> {
    return this.#run(() => {
      for (const spec of topics) this.#cluster.createTopic(spec);
    });
  }

  /** Rejects with STREAMD_UNKNOWN_TOPIC, deleting nothing, when any topic does not exist. */
  deleteTopics(topics: readonly string[]): Promise<void> {
    return this.#run(() => this.#cluster.deleteTopics(topics));
  }

  listTopics(): Promise<string[]> {
    return this.#run(() => this.#cluster.topicNames());
  }

  describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
    return this.#run(() => topics.map((topic) => this.#cluster.describeTopic(topic)));
  }

  /** `latest` is the log end offset: it counts transaction markers and open transactions' records. */
  offsets(topic: string): Promise<PartitionOffsets[]> {
    return this.#run(() =>
      this.#cluster.logs(topic).map((log) => ({
        partition: log.partition,
        earliest: BigInt(log.startOffset),
        latest: BigInt(log.endOffset),
      })),
    );
  }

  committedOffsets(groupId: string, topics: readonly string[]): Promise<TopicPartitionOffset[]> {
    return this.#run(() =>
      topics.flatMap((topic) =>
        this.#cluster.logs(topic).map(({ partition }) => ({
          topic,
          partition,
          offset: this.#cluster.committedOffset(groupId, { topic, partition }) ?? -1n,
        })),
      ),
    );
  }

  removeMembers(groupId: string, memberIds: readonly string[]): Promise<string[]> {
    return this.#run(() => {
      const group = this.#cluster.group(groupId);
      return memberIds.filter((memberId) => group.remove(memberId));
    });
  }

  close(): Promise<void> {
    this.#isClosed = true;
    return Promise.resolve();
  }

  #run<T>(work: () => T): Promise<T> {
    return runNow(() => {
      if (this.#isClosed) throw new IllegalStateError('admin client is closed');
      return work();
    });
  }
}
