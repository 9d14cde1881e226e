// Topic and group administration over kafkajs's admin client.

import { setTimeout as delay } from 'node:timers/promises';
import type { Admin as KafkajsAdmin, Kafka } from 'kafkajs';
import { ConfigResourceTypes } from './kafkajs.js';
import { KafkaError } from '../../../errors/index.js';
import type { Admin, PartitionOffsets, TopicDescription, TopicPartitionOffset, TopicSpec } from '../../types.js';
import { mapErrors } from './errors.js';
import { leaveGroupAs, newCluster } from './group-internals.js';
import { retryWhileLeaderSettles } from './leader-retry.js';

function unknownTopic(topic: string): KafkaError {
  return new KafkaError(`topic "${topic}" does not exist`, { code: 'STREAMD_UNKNOWN_TOPIC' });
}

export class KafkajsAdminClient implements Admin {
  readonly #admin: KafkajsAdmin;
  readonly #kafka: Kafka;
  #closing: Promise<void> | undefined;

  private constructor(admin: KafkajsAdmin, kafka: Kafka) {
    this.#admin = admin;
    this.#kafka = kafka;
  }

  static async connect(kafka: Kafka): Promise<KafkajsAdminClient> {
    const admin = kafka.admin();
    await mapErrors('connect admin', () => admin.connect());
    return new KafkajsAdminClient(admin, kafka);
  }

  /** kafkajs has no API for this: a LeaveGroup per member through its internal cluster (group-internals.ts). */
  async removeMembers(groupId: string, memberIds: readonly string[]): Promise<string[]> {
    if (memberIds.length === 0) return [];
    const cluster = newCluster(this.#kafka);
    try {
      await mapErrors('connect to remove group members', () => cluster.connect());
      const removed: string[] = [];
      for (const memberId of memberIds) {
        const outcome = await mapErrors(`remove member ${memberId} from group ${groupId}`, () => leaveGroupAs(cluster, groupId, memberId));
        if (outcome === 'removed') removed.push(memberId);
      }
      return removed;
    } finally {
      await cluster.disconnect().catch(() => undefined);
    }
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length === 0) return;
    await mapErrors('create topics', () =>
      this.#admin.createTopics({
        // kafkajs's own wait gives up on the UNKNOWN_TOPIC_OR_PARTITION a fresh topic's metadata
        // can answer with for a moment (seen right after another topic's deletion): wait here.
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.topic,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor ?? 1,
          configEntries: Object.entries(t.config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      }),
    );
    await this.#waitForLeaders(missing.map((t) => t.topic));
  }

  /** Polls the new topics' metadata until every partition has a leader (at most 30 s). */
  async #waitForLeaders(topics: readonly string[]): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let delayMs = 25; ; delayMs = Math.min(delayMs * 2, 1000)) {
      let problem: unknown;
      try {
        const { topics: metadata } = await this.#admin.fetchTopicMetadata({ topics: [...topics] });
        // The metadata can name a leader a moment before that broker serves the partition; offset
        // reads retry that themselves (leader-retry.ts).
        if (metadata.length === topics.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (err) {
        problem = err;
      }
      if (Date.now() > deadline) {
        throw new KafkaError(`created ${topics.join(', ')}, but not every partition had a leader after 30 s`, { retriable: true, ...(problem === undefined ? {} : { cause: problem }) });
      }
      await delay(delayMs);
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    const existing = new Set(await this.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return;
    await mapErrors('delete topics', () => this.#admin.deleteTopics({ topics: present }));
  }

  async listTopics(): Promise<string[]> {
    const topics = await mapErrors('list topics', () => this.#admin.listTopics());
    return topics.filter((t) => !t.startsWith('__')).sort();
  }

  async describeTopics(topics: readonly string[]): Promise<TopicDescription[]> {
    const existing = new Set(await this.listTopics());
    const missing = topics.find((t) => !existing.has(t));
    if (missing !== undefined) throw unknownTopic(missing);
    const [metadata, configs] = await Promise.all([
      mapErrors('describe topics', () => this.#admin.fetchTopicMetadata({ topics: [...topics] })),
      mapErrors('describe topic configs', () =>
        this.#admin.describeConfigs({
          includeSynonyms: false,
          resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
        }),
      ),
    ]);
    return topics.map((topic) => {
      const partitions = metadata.topics.find((m) => m.name === topic)?.partitions.length ?? 0;
      const entries = configs.resources.find((r) => r.resourceName === topic)?.configEntries ?? [];
      const config: Record<string, string> = {};
      for (const entry of entries) {
        if (!entry.isDefault || entry.configName === 'cleanup.policy') config[entry.configName] = entry.configValue;
      }
      return { topic, partitions, config };
    });
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const answer = await mapErrors(`fetch offsets of ${topic}`, () => retryWhileLeaderSettles(() => this.#admin.fetchTopicOffsets(topic)));
    return answer
      .map((p) => ({ partition: p.partition, earliest: BigInt(p.low), latest: BigInt(p.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async committedOffsets(groupId: string, topics: readonly string[]): Promise<TopicPartitionOffset[]> {
    const answer = await mapErrors(`fetch committed offsets of ${groupId}`, () => this.#admin.fetchOffsets({ groupId, topics: [...topics] }));
    return answer.flatMap(({ topic, partitions }) =>
      partitions
        .map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset) }))
        .sort((a, b) => a.partition - b.partition),
    );
  }

  close(): Promise<void> {
    this.#closing ??= this.#admin.disconnect();
    return this.#closing;
  }
}
