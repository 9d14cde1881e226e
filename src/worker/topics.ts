// Creates the topics a worker needs before its consumer subscribes, and only those streamd owns:
// declared topics marked `internal` (the default), repartition topics (the partition count of the
// agent's source topic unless groupBy names one), dead-letter topics and the extra ones (changelogs,
// leader). An external topic (`internal: false`) must exist; with topicAllowDeclare off, every one
// must. Existing topics are never altered.

import type { Logger } from 'pino';
import { ConfigError } from '../errors/index.js';
import type { KafkaDriver, TopicSpec } from '../kafka/index.js';
import type { Manifest, TopicDeclaration } from '../manifest/index.js';
import type { Tables } from '../tables/index.js';
import type { Plan } from './plan.js';

const quoted = (names: readonly string[]): string => names.map((n) => `"${n}"`).join(', ');

function declaredSpec(topic: TopicDeclaration, manifest: Manifest): TopicSpec {
  const config: Record<string, string> = { ...topic.config };
  if (topic.isCompacted) config['cleanup.policy'] = 'compact';
  if (topic.retentionMs !== undefined) config['retention.ms'] = String(topic.retentionMs);
  return {
    topic: topic.name,
    partitions: topic.partitions ?? manifest.settings.topicPartitions,
    replicationFactor: topic.replicas ?? manifest.settings.topicReplicationFactor,
    config,
  };
}

/** Partition counts of the topics that exist; with `missingOk`, absent topics are left out instead of failing. */
export async function describePartitions(driver: KafkaDriver, topics: readonly string[], options: { missingOk?: boolean } = {}): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (topics.length === 0) return out;
  const admin = await driver.admin();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted = options.missingOk === true ? topics.filter((t) => existing.has(t)) : [...topics];
    if (wanted.length === 0) return out;
    for (const description of await admin.describeTopics(wanted)) out.set(description.topic, description.partitions);
  } finally {
    await admin.close();
  }
  return out;
}

/** Creates the declared and internal topics that do not exist; `extra` adds internal ones (changelogs, leader). */
export async function ensureTopics(driver: KafkaDriver, manifest: Manifest, plan: Plan, log: Logger, extra: readonly TopicSpec[] = []): Promise<void> {
  const admin = await driver.admin();
  try {
    const existing = new Set(await admin.listTopics());
    const wanted: TopicSpec[] = [];
    const replicationFactor = manifest.settings.topicReplicationFactor;
    const missingExternal: string[] = [];
    for (const topic of manifest.topics.values()) {
      // A pattern's topics are made by whoever writes them: none is created, none is required.
      if (topic.pattern !== undefined || existing.has(topic.name)) continue;
      if (topic.isInternal) wanted.push(declaredSpec(topic, manifest));
      else missingExternal.push(topic.name);
    }
    if (missingExternal.length > 0) {
      throw new ConfigError(
        `not on the broker and declared internal: false (external topics, which streamd never creates): ${quoted(missingExternal)}. Create them on the broker, or declare them internal: true`,
      );
    }
    const partitionsOf = async (topic: string): Promise<number> => {
      const pending = wanted.find((w) => w.topic === topic);
      if (pending !== undefined) return pending.partitions;
      const [description] = await admin.describeTopics([topic]);
      return description?.partitions ?? manifest.settings.topicPartitions;
    };
    for (const agent of plan.agents) {
      const source = agent.declaration.topics[0]!;
      const isPattern = manifest.topics.get(source)?.pattern !== undefined;
      for (const r of agent.repartitions) {
        const partitions = r.partitions ?? (isPattern ? manifest.settings.topicPartitions : await partitionsOf(source));
        if (!existing.has(r.topic)) wanted.push({ topic: r.topic, partitions, replicationFactor });
      }
      const usesDeadLetters = agent.declaration.topics.some((t) => manifest.topics.get(t)?.onDecodeError === 'dlq');
      if (usesDeadLetters && !existing.has(agent.deadLetterTopic)) wanted.push({ topic: agent.deadLetterTopic, partitions: 1, replicationFactor });
    }
    for (const spec of extra) if (!existing.has(spec.topic) && !wanted.some((w) => w.topic === spec.topic)) wanted.push(spec);
    if (wanted.length === 0) return;
    if (!manifest.settings.topicAllowDeclare) {
      throw new ConfigError(`topicAllowDeclare is off and topics streamd would create are not on the broker: ${quoted(wanted.map((w) => w.topic))}. Create them beforehand, or set topicAllowDeclare: true`);
    }
    await admin.createTopics(wanted);
    log.info({ topics: wanted.map((w) => `${w.topic} (${w.partitions} partitions)`) }, `created ${wanted.length} topics`);
  } finally {
    await admin.close();
  }
}

export interface TopicSetup {
  /** Partition counts of every topic of the topology (for /topology and placement). */
  readonly partitionCounts: Map<string, number>;
  /** Partition counts of the subscribed topics and the changelogs. */
  readonly counts: Map<string, number>;
  readonly subscribed: readonly string[];
}

/**
 * Creates or checks every topic of the app (the leader topic and the changelogs included) and
 * reads their partition counts. Repeatable: a worker retries it while the broker is unavailable.
 */
export async function setUpTopics(parts: {
  readonly driver: KafkaDriver;
  readonly manifest: Manifest;
  readonly plan: Plan;
  readonly log: Logger;
  readonly leaderTopic: string;
  readonly subscribed: readonly string[];
  readonly tables: Tables | undefined;
  /** Every topic the topology names, given the counts known so far. */
  readonly topologyTopics: (counts: ReadonlyMap<string, number>) => readonly string[];
  /** Removes this worker's dead run's member from the group (member-record.ts). */
  readonly removeLeftover: () => Promise<void>;
}): Promise<TopicSetup> {
  const { driver, manifest, plan, log, subscribed, tables } = parts;
  const leader = { topic: parts.leaderTopic, partitions: 1, replicationFactor: manifest.settings.topicReplicationFactor };
  await Promise.all([ensureTopics(driver, manifest, plan, log, [leader]), parts.removeLeftover()]);
  const counts = await describePartitions(driver, subscribed);
  if (tables !== undefined) {
    const changelogs = tables.resolve(counts, subscribed);
    const existing = await describePartitions(driver, changelogs.map((c) => c.topic), { missingOk: true });
    tables.checkChangelogs(existing);
    await ensureTopics(driver, manifest, plan, log, changelogs);
    for (const changelog of changelogs) counts.set(changelog.topic, changelog.partitions); // checked or created with this count
  }
  // For /topology: the topics not described above (sinks, dead letters, the leader topic).
  const rest = parts.topologyTopics(counts).filter((name) => !counts.has(name));
  const partitionCounts = new Map([...counts, ...(await describePartitions(driver, rest, { missingOk: true }))]);
  return { partitionCounts, counts, subscribed };
}
