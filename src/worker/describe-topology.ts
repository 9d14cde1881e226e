// The app's physical plan as data (Kafka Streams' `describe()`): every topic with its role and
// partition count, agents with their groupBys and dead letters, tables with their changelogs, the
// leader topic, timers, crontabs, tasks and views. Pure; Worker.topology() calls it.

import type { Manifest } from '../manifest/index.js';
import type { Plan } from './plan.js';
import { changelogTopic } from './naming.js';
import type { AgentInfo, TablePlan, TopicInfo, TopicPlan, Topology } from './types.js';

export interface TopologyInput {
  readonly manifest: Manifest;
  readonly plan: Plan;
  readonly leaderTopic: string;
  /** Partition counts the worker has described (empty before start). */
  readonly partitionsOf: ReadonlyMap<string, number>;
}

/** Builds the physical plan; counts the worker has not described yet are the declared ones, else null. */
export function describeTopology({ manifest, plan, leaderTopic, partitionsOf }: TopologyInput): Topology {
  const topic = (name: string, declared?: number): TopicInfo => ({ name, partitions: partitionsOf.get(name) ?? declared ?? null });
  const usesDeadLetters = (topics: readonly string[]): boolean => topics.some((t) => manifest.topics.get(t)?.onDecodeError === 'dlq');

  const agents: AgentInfo[] = plan.agents.map(({ declaration, repartitions, throughTopics, deadLetterTopic }) => ({
    name: declaration.name,
    topics: declaration.topics,
    concurrency: declaration.concurrency,
    sinks: declaration.sinks.map((s) => (s.kind === 'agent' ? `@${s.name}` : s.name)),
    repartitionTopics: repartitions.map((r) => r.topic),
    handler: declaration.handler.text,
    sources: declaration.topics.map((t) => topic(t, manifest.topics.get(t)?.partitions)),
    groupBys: repartitions.map((r) => ({ groupBy: r.name, ...topic(r.topic, r.partitions) })),
    throughTopics,
    deadLetterTopic: usesDeadLetters(declaration.topics) ? topic(deadLetterTopic, 1) : null,
  }));

  const isRead = (name: string): boolean => agents.some((a) => a.topics.includes(name));

  const tables: TablePlan[] = [...manifest.tables.values()].map((table) => {
    const changelog = changelogTopic(plan.prefix, table.name);
    return {
      name: table.name,
      kind: table.kind,
      global: table.isGlobal,
      keyType: table.keyType.name,
      valueType: table.valueType.name,
      changelog,
      partitions: topic(changelog, table.partitions).partitions,
      standbyReplicas: table.isGlobal ? 0 : manifest.settings.standbyReplicas,
      window: table.window ?? null,
    };
  });

  const topics: TopicPlan[] = [
    ...[...manifest.topics.values()].map((t): TopicPlan =>
      t.pattern === undefined ? { role: isRead(t.name) ? 'source' : 'sink', ...topic(t.name, t.partitions) } : { role: 'source', pattern: t.pattern.source, name: t.name, partitions: null },
    ),
    ...agents.flatMap((a) => a.groupBys.map(({ groupBy, ...info }) => ({ role: 'repartition' as const, agent: a.name, groupBy, ...info }))),
    ...tables.map((t) => ({ role: 'changelog' as const, table: t.name, name: t.changelog, partitions: t.partitions })),
    ...agents.flatMap((a) => (a.deadLetterTopic === null ? [] : [{ role: 'dead-letter' as const, agent: a.name, ...a.deadLetterTopic }])),
    { role: 'leader', ...topic(leaderTopic, 1) },
  ];

  return {
    id: manifest.id,
    version: manifest.version,
    processingGuarantee: manifest.processingGuarantee,
    sourceTopics: topics.filter((t) => t.role === 'source').map((t) => t.name),
    sinkTopics: topics.filter((t) => t.role === 'sink').map((t) => t.name),
    internalTopics: topics.filter((t) => t.role !== 'source' && t.role !== 'sink').map((t) => t.name),
    topics,
    agents,
    tables,
    leaderTopic: topic(leaderTopic, 1),
    timers: [...manifest.timers.values()].map(({ name, intervalMs, isLeaderOnly }) => ({ name, intervalMs, isLeaderOnly })),
    crontabs: [...manifest.crontabs.values()].map(({ name, cron, timezone, isLeaderOnly }) => ({ name, cron, timezone, isLeaderOnly })),
    tasks: [...manifest.tasks.values()].map(({ name, isLeaderOnly }) => ({ name, isLeaderOnly })),
    views: manifest.views.map(({ method, path, routeBy }) => ({ method, path, ...(routeBy === undefined ? {} : { routeBy }) })),
  };
}
