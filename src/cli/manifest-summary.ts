// The topology a manifest declares, as plain JSON-ready data: what `streamd check`, `agents` and
// `models` print. Built from the Manifest alone (no broker, no handler code). Pure.

import type { AgentDeclaration, HandlerReference, Manifest, SinkReference, TableDeclaration, TypeReference, WindowDeclaration } from '../manifest/index.js';
import { formatCodecChain } from '../models/index.js';
import { displayPath } from './report-error.js';
import { formatDuration } from './table.js';

/** One agent as the CLI shows it. Sinks are topic names, or `@agent` for an agent sink. */
export interface AgentSummary {
  readonly name: string;
  readonly topics: readonly string[];
  readonly concurrency: number;
  readonly sinks: readonly string[];
  readonly isolatedPartitions: boolean;
  /** The handler reference as written, e.g. `./handlers/page-views.ts#countPageViews`, or `countOrders (inline function)`. */
  readonly handler: string;
}

/** Everything `streamd check --json` prints. Secrets (`web.authToken`) are left out. */
export interface ManifestSummary {
  readonly manifest: string;
  readonly id: string;
  readonly version: number;
  readonly broker: string;
  readonly store: string;
  readonly datadir: string;
  readonly processingGuarantee: string;
  readonly web: { readonly host: string; readonly port: number };
  readonly models: readonly string[];
  /** Custom codecs as `name (./file.ts#export)`. */
  readonly codecs: readonly string[];
  readonly topics: readonly {
    readonly name: string;
    readonly keyType: string;
    readonly valueType: string;
    readonly keySerializer: string;
    readonly valueSerializer: string;
    /** Null: the topic as it exists, or `settings.topicPartitions` when streamd creates it. */
    readonly partitions: number | null;
    readonly internal: boolean;
    readonly compacted: boolean;
  }[];
  readonly agents: readonly AgentSummary[];
  readonly tables: readonly {
    readonly name: string;
    readonly kind: string;
    readonly keyType: string;
    readonly valueType: string;
    readonly default: unknown;
    readonly window: string | null;
    readonly global: boolean;
    readonly partitions: number | null;
  }[];
  readonly timers: readonly { readonly name: string; readonly interval: string; readonly onLeader: boolean; readonly handler: string }[];
  readonly crontabs: readonly { readonly name: string; readonly cron: string; readonly timezone: string; readonly onLeader: boolean; readonly handler: string }[];
  readonly tasks: readonly { readonly name: string; readonly onLeader: boolean; readonly handler: string }[];
  readonly views: readonly { readonly method: string; readonly path: string; readonly handler: string }[];
}

const typeName = (type: TypeReference): string => type.name;

/** A module reference as written; a TypeScript manifest's function by name, marked as inline. */
export const handlerText = (handler: HandlerReference): string => (handler.kind === 'function' ? `${handler.text} (inline function)` : handler.text);

/** `@agent` for an agent sink, the topic name for a topic sink. */
export const sinkName = (sink: SinkReference): string => (sink.kind === 'agent' ? `@${sink.name}` : sink.name);

/** `tumbling 1m, grace 10s, expires 1h`, `hopping 10m every 1m`, `sliding -30s/+30s`, `session gap 2m`, with time source and sink when set. */
export function describeWindow(window: WindowDeclaration): string {
  const shape = {
    tumbling: () => (window.type === 'tumbling' ? `tumbling ${formatDuration(window.sizeMs)}` : ''),
    hopping: () => (window.type === 'hopping' ? `hopping ${formatDuration(window.sizeMs)} every ${formatDuration(window.stepMs)}` : ''),
    sliding: () => (window.type === 'sliding' ? `sliding -${formatDuration(window.beforeMs)}/+${formatDuration(window.afterMs)}` : ''),
    session: () => (window.type === 'session' ? `session gap ${formatDuration(window.gapMs)}` : ''),
  }[window.type]();
  const parts = [shape];
  if (window.graceMs > 0) parts.push(`grace ${formatDuration(window.graceMs)}`);
  if (window.expiresMs !== undefined) parts.push(`expires ${formatDuration(window.expiresMs)}`);
  if (window.relativeTo.kind !== 'stream') parts.push(`time ${window.relativeTo.kind === 'now' ? 'now' : `field ${window.relativeTo.path.join('.')}`}`);
  if (window.sink !== undefined) parts.push(`${window.emit} → ${window.sink}`);
  return parts.join(', ');
}

/** One agent's summary. */
export function summarizeAgent(agent: AgentDeclaration): AgentSummary {
  return {
    name: agent.name,
    // A channel-fed agent shows its channel where a topic-fed one shows its topics.
    topics: agent.channel === undefined ? agent.topics : [`channel:${agent.channel}`],
    concurrency: agent.concurrency,
    sinks: agent.sinks.map(sinkName),
    isolatedPartitions: agent.hasIsolatedPartitions,
    handler: handlerText(agent.handler),
  };
}

function summarizeTable(table: TableDeclaration): ManifestSummary['tables'][number] {
  return {
    name: table.name,
    kind: table.kind,
    keyType: typeName(table.keyType),
    valueType: typeName(table.valueType),
    default: table.defaultValue ?? null,
    window: table.window === undefined ? null : describeWindow(table.window),
    global: table.isGlobal,
    partitions: table.partitions ?? null,
  };
}

/** The manifest's topology; paths are shown relative to `cwd` when inside it. */
export function summarizeManifest(manifest: Manifest, cwd: string): ManifestSummary {
  return {
    manifest: displayPath(manifest.sourcePath, cwd),
    id: manifest.id,
    version: manifest.version,
    broker: manifest.broker,
    store: manifest.store,
    datadir: displayPath(manifest.datadir, cwd),
    processingGuarantee: manifest.processingGuarantee,
    web: { host: manifest.web.host, port: manifest.web.port },
    models: [...manifest.models.keys()],
    codecs: [...manifest.codecs.values()].map((codec) => `${codec.name} (${codec.module.text})`),
    topics: [...manifest.topics.values()].map((topic) => ({
      name: topic.name,
      keyType: typeName(topic.keyType),
      valueType: typeName(topic.valueType),
      keySerializer: formatCodecChain({ serializer: topic.keySerializer, byteCodecs: topic.keyByteCodecs }),
      valueSerializer: formatCodecChain({ serializer: topic.valueSerializer, byteCodecs: topic.valueByteCodecs }),
      partitions: topic.partitions ?? null,
      internal: topic.isInternal,
      compacted: topic.isCompacted,
    })),
    agents: [...manifest.agents.values()].map(summarizeAgent),
    tables: [...manifest.tables.values()].map(summarizeTable),
    timers: [...manifest.timers.values()].map((timer) => ({
      name: timer.name,
      interval: formatDuration(timer.intervalMs),
      onLeader: timer.isLeaderOnly,
      handler: handlerText(timer.handler),
    })),
    crontabs: [...manifest.crontabs.values()].map((crontab) => ({
      name: crontab.name,
      cron: crontab.cron,
      timezone: crontab.timezone,
      onLeader: crontab.isLeaderOnly,
      handler: handlerText(crontab.handler),
    })),
    tasks: [...manifest.tasks.values()].map((task) => ({ name: task.name, onLeader: task.isLeaderOnly, handler: handlerText(task.handler) })),
    views: manifest.views.map((view) => ({ method: view.method, path: view.path, handler: handlerText(view.handler) })),
  };
}
