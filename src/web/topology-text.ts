// The physical plan as a readable tree, like Kafka Streams' `describe()`: each source topic with the
// agents that read it (their groupBys, through topics, sinks and dead letters), then tables with their
// changelogs, the leader topic, timers, crontabs, tasks and views. Served by GET /topology?format=text.

import type { Topology, TopicInfo } from '../worker/types.js';

/** `[4 partitions]`, `[1 partition]`, or `[partitions unknown]` before the worker has described the topic. */
function partitions(count: number | null): string {
  if (count === null) return '[partitions unknown]';
  return `[${count} partition${count === 1 ? '' : 's'}]`;
}

const topicText = (topic: TopicInfo): string => `${topic.name} ${partitions(topic.partitions)}`;

/** Renders `topology` as indented text, one line per node, ending with a newline. */
export function renderTopologyText(topology: Topology): string {
  const lines = [`${topology.id} (v${topology.version})`];
  const described = new Set<string>();
  for (const source of topology.topics.filter((t) => t.role === 'source')) {
    lines.push(`  source ${topicText(source)}`);
    for (const agent of topology.agents.filter((a) => a.topics.includes(source.name))) {
      if (described.has(agent.name)) {
        lines.push(`    → agent ${agent.name} (described above)`);
        continue;
      }
      described.add(agent.name);
      lines.push(`    → agent ${agent.name} (concurrency ${agent.concurrency}) ${agent.handler}`);
      for (const groupBy of agent.groupBys) lines.push(`        groupBy ${groupBy.groupBy} → ${topicText(groupBy)}`);
      for (const through of agent.throughTopics) lines.push(`        through ${through}`);
      for (const sink of agent.sinks) lines.push(`        sink ${sink}`);
      if (agent.deadLetterTopic !== null) lines.push(`        dead letters → ${topicText(agent.deadLetterTopic)}`);
    }
  }
  for (const sink of topology.topics.filter((t) => t.role === 'sink')) lines.push(`  sink ${topicText(sink)}`);
  for (const table of topology.tables) {
    const standbys = table.global ? 'read whole by every worker' : `${table.standbyReplicas} standby replica${table.standbyReplicas === 1 ? '' : 's'}`;
    lines.push(
      `  ${table.global ? 'global ' : ''}${table.kind} ${table.name} (${table.keyType} → ${table.valueType}) → changelog ${topicText({ name: table.changelog, partitions: table.partitions })}, ${standbys}${table.window === null ? '' : `, ${windowText(table.window)}`}`,
    );
  }
  lines.push(`  leader topic ${topicText(topology.leaderTopic)}`);
  const leaderOnly = (isLeaderOnly: boolean): string => (isLeaderOnly ? ' (leader only)' : '');
  for (const timer of topology.timers) lines.push(`  timer ${timer.name} every ${timer.intervalMs} ms${leaderOnly(timer.isLeaderOnly)}`);
  for (const crontab of topology.crontabs) lines.push(`  crontab ${crontab.name} "${crontab.cron}" ${crontab.timezone}${leaderOnly(crontab.isLeaderOnly)}`);
  for (const task of topology.tasks) lines.push(`  task ${task.name} at start${leaderOnly(task.isLeaderOnly)}`);
  for (const view of topology.views) {
    const routed = view.routeBy === undefined ? '' : ` → runs on the owner of ${view.routeBy.table}[${view.routeBy.param}]`;
    lines.push(`  view ${view.method} ${view.path}${routed}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `tumbling window 60000ms, grace 10000ms` (the text form of /topology; `streamd tables` formats durations). */
function windowText(window: NonNullable<Topology['tables'][number]['window']>): string {
  const shape = Object.entries(window).filter(([name]) => name.endsWith('Ms')).map(([name, ms]) => `${name.slice(0, -2)} ${Number(ms)}ms`);
  return `${window.type} window (${shape.join(', ')}${window.sink === undefined ? '' : `, ${window.emit} → ${window.sink}`})`;
}
